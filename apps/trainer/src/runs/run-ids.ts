import { randomBytes } from 'node:crypto';

/**
 * A new run id: `run_` + milliseconds since the epoch (base 36, fixed width, so ids sort by creation)
 * + 8 random characters. Also the run's BullMQ job id.
 */
export function newRunId(prefix = 'run'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('base64url').slice(0, 8).toLowerCase()}`;
}

/**
 * The id of a parent's child (`<parent>.t3` for trial 3, `<parent>.p2` for part 2): stable, so a
 * parent taken over after a crash adds the same children again, which BullMQ and the runs table ignore.
 * Scheduled parents have ids with ':' (`repeat:<scheduler>:<ms>`), which BullMQ refuses in custom ids.
 */
export function childRunId(parentId: string, tag: 't' | 'p', index: number): string {
  return `${parentId.replace(/:/g, '-')}.${tag}${index}`;
}

/** A safe part of a model name from a group's label: lower-case letters, digits and - only. */
export function slug(label: string): string {
  const s = label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return s || 'group';
}
