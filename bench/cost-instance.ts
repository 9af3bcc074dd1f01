/**
 * One function instance of bench:cost, run as its own process: the GCP composition root
 * (KINDLING_BACKEND=gcp, configured by the parent's environment) and one app context, serving the
 * ingest and sink functions on one port. Its own rate limiter, counter sync, caches and clients,
 * as a Cloud Run instance has. It counts its Firestore operations and its CPU time, and reports
 * them to the parent over IPC:
 *
 *   parent → {type: 'start'}  resets the counts (the load begins)
 *   parent → {type: 'report'} ← {type: 'usage', cpuSeconds, firestore, peakRssMb}
 *   parent → {type: 'close'}  drains and exits
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { installFirestoreMeter } from './firestore-meter.ts';
import { loadConfig } from '../shared/config.ts';
import { openPorts } from '../shared/composition.ts';
import { createAppContext } from '../shared/context.ts';
import { buildApp } from '../functions/http/app.ts';
import { FUNCTIONS } from '../functions/routes.ts';

export type InstanceMessage =
  | { type: 'ready'; port: number }
  | { type: 'usage'; cpuSeconds: number; firestore: ReturnType<typeof installFirestoreMeter>['ops']; peakRssMb: number };

// Before any Firestore client exists: the meter patches the client's prototype.
const meter = installFirestoreMeter();
const config = loadConfig();
const ctx = createAppContext(config, await openPorts(config));
const app = buildApp(ctx, [...FUNCTIONS.ingest, ...FUNCTIONS.sink]);
let baseline = process.cpuUsage();

const send = (message: InstanceMessage) => process.send!(message);
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => send({ type: 'ready', port: info.port }));

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    baseline = process.cpuUsage();
    meter.reset();
  } else if (message.type === 'report') {
    const { user, system } = process.cpuUsage(baseline);
    send({ type: 'usage', cpuSeconds: (user + system) / 1e6, firestore: structuredClone(meter.ops), peakRssMb: peakRssMb() });
  } else if (message.type === 'close') {
    (server as Server).close();
    (server as Server).closeAllConnections();
    void ctx.close().finally(() => process.exit(0));
  }
});

// The parent is gone (killed, or it crashed): nothing will report or close this instance.
process.on('disconnect', () => process.exit(0));

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
