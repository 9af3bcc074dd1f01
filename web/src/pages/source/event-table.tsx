/**
 * Search results: one row per event (time and message), newest first; a row opens to show the
 * whole event as JSON. Rows that live tail just brought in are highlighted briefly.
 */
import { useState } from 'preact/hooks';
import type { ApiEvent } from '../../api-types.ts';
import { formatUtc } from '../../format.ts';

function EventRow({ event, fresh }: { event: ApiEvent; fresh: boolean }) {
  const [open, setOpen] = useState(false);
  const detailId = `event-${event.id}`;
  return (
    <>
      <tr class={`event-row${fresh ? ' event-fresh' : ''}`} onClick={() => setOpen(!open)}>
        <td class="event-time">
          <button
            type="button"
            class="disclosure"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={(click) => {
              click.stopPropagation();
              setOpen(!open);
            }}
          >
            <span aria-hidden="true">{open ? '▾' : '▸'}</span>
            <time dateTime={event.timestamp}>
              <span class="event-date">{formatUtc(event.timestamp).slice(0, 11)}</span>
              {formatUtc(event.timestamp).slice(11)}
            </time>
          </button>
        </td>
        <td class="event-message">{event.event_message}</td>
      </tr>
      {open ? (
        <tr class="event-detail" id={detailId}>
          <td colSpan={2}>
            <pre tabIndex={0} aria-label="Event JSON">
              {JSON.stringify(event, null, 2)}
            </pre>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function EventTable({ events, fresh }: { events: ApiEvent[]; fresh: Set<string> }) {
  return (
    <table class="events">
      <caption class="visually-hidden">Matching events, newest first</caption>
      <thead>
        <tr>
          <th scope="col" class="event-time">
            Time (UTC)
          </th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <EventRow key={event.id} event={event} fresh={fresh.has(event.id)} />
        ))}
      </tbody>
    </table>
  );
}
