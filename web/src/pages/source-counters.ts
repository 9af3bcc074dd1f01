/**
 * A source's live counters, computed from the public API alone: events per second now (the
 * average of the last ten whole seconds of a per-second chart), events today (a per-day chart of
 * `t:today`) and the time of the newest event.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { ChartPoint, EventPage } from '../api-types.ts';
import { useLoad, usePolling } from '../hooks.ts';

export interface SourceCounters {
  perSecond: number;
  today: number;
  lastEvent: string | null;
}

const RATE_QUERY = 'c:count(*) c:group_by(t::second) t:last@10s';
const TODAY_QUERY = 'c:count(*) c:group_by(t::day) t:today';
/** Three queries per source per refresh: often enough to look live, rare enough for BigQuery. */
const REFRESH_MS = 5000;

const chart = (source: string, q: string, signal?: AbortSignal) =>
  api<{ result: ChartPoint[] }>(`/api/sources/${encodeURIComponent(source)}/chart`, { query: { q }, signal });

/** The last bucket is the second still running; the whole ones before it give the rate. */
export function eventsPerSecond(points: ChartPoint[]): number {
  const whole = points.slice(0, -1);
  if (whole.length === 0) return 0;
  return whole.reduce((sum, p) => sum + (p.value ?? 0), 0) / whole.length;
}

export async function loadCounters(source: string, signal?: AbortSignal): Promise<SourceCounters> {
  const [rate, today, newest] = await Promise.all([
    chart(source, RATE_QUERY, signal),
    chart(source, TODAY_QUERY, signal),
    api<EventPage>(`/api/sources/${encodeURIComponent(source)}/events`, { query: { limit: 1 }, signal }),
  ]);
  return {
    perSecond: eventsPerSecond(rate.result),
    today: today.result.reduce((sum, p) => sum + (p.value ?? 0), 0),
    lastEvent: newest.result[0]?.timestamp ?? null,
  };
}

/** Counters for one source, refreshed every few seconds while the page is visible. */
export function useSourceCounters(source: string) {
  const loaded = useLoad((signal) => loadCounters(source, signal), [source]);
  const [now, setNow] = useState(Date.now());
  usePolling(
    async () => {
      await loaded.reload();
      setNow(Date.now());
    },
    REFRESH_MS,
    true,
  );
  return { counters: loaded.data, error: loaded.error, now };
}
