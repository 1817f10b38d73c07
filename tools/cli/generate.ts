/**
 * Writes a simulation to a folder: events.ndjson (what a back end would send) and truth.csv
 * (what really happened: expected demand, censoring, the components), day by day.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

import { RetailSimulation, TRUTH_CSV_HEADER, truthToCsv, type SimulationOptions } from '@shelfcast/simulation';

export interface GenerateResult {
  days: number;
  series: number;
  events: number;
  truthRows: number;
  eventsPath: string;
  truthPath: string;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

export async function generateToFolder(
  options: SimulationOptions,
  out: string,
  onDay?: (dayIndex: number, days: number) => void,
): Promise<GenerateResult> {
  mkdirSync(out, { recursive: true });
  const sim = new RetailSimulation(options);
  const eventsPath = join(out, 'events.ndjson');
  const truthPath = join(out, 'truth.csv');
  const events = createWriteStream(eventsPath);
  const truth = createWriteStream(truthPath);
  let eventCount = 0;
  let truthRows = 0;
  try {
    await write(truth, `${TRUTH_CSV_HEADER}\n`);
    for (const day of sim.days()) {
      if (day.events.length > 0) {
        await write(events, day.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      }
      if (day.truth.length > 0) await write(truth, day.truth.map(truthToCsv).join('\n') + '\n');
      eventCount += day.events.length;
      truthRows += day.truth.length;
      onDay?.(day.index + 1, sim.config.days);
    }
  } finally {
    await Promise.all([close(events), close(truth)]);
  }
  return { days: sim.config.days, series: sim.series.length, events: eventCount, truthRows, eventsPath, truthPath };
}
