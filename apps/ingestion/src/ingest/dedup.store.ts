import type { Redis } from '@shelfcast/queue';

/** Sets per source and generation, so that none grows without bound for a busy source. */
const SHARDS = 16;
/** Most ids handed to one script call (Lua's `unpack` takes a few thousand values at most). */
const MAX_IDS_PER_CALL = 4000;

/**
 * KEYS: the current and the previous generation's set of each shard, in pairs; ARGV: for each pair, the
 * number of ids, then the ids. Answers, for each id in order, how many of the two sets have it.
 */
const SEEN_SCRIPT = `local out = {}
local a, j = 1, 0
for k = 1, #KEYS, 2 do
  local n = tonumber(ARGV[a])
  local current = redis.call('SMISMEMBER', KEYS[k], unpack(ARGV, a + 1, a + n))
  local previous = redis.call('SMISMEMBER', KEYS[k + 1], unpack(ARGV, a + 1, a + n))
  for i = 1, n do
    j = j + 1
    out[j] = current[i] + previous[i]
  end
  a = a + n + 1
end
return out`;

/** KEYS: the current generation's set of each shard; ARGV: the expiry time, then per key a count and the ids. */
const MARK_SCRIPT = `local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  redis.call('SADD', KEYS[k], unpack(ARGV, a + 1, a + n))
  redis.call('EXPIREAT', KEYS[k], ARGV[1])
  a = a + n + 1
end
return #KEYS`;

interface Group {
  source: string;
  shard: number;
  ids: string[];
  /** Where each of `ids` is in the caller's list. */
  positions: number[];
}

/**
 * Remembers the ids of events already published, per source, for at least a window: a re-sent event is
 * accepted without being published twice. Ids are marked only after Kafka acknowledged them, so a failed
 * publish never hides an event; the features service keeps the final guard.
 *
 * Ids live in Redis sets, one per source, generation and shard: a generation is one window long, an id
 * is looked up in the current and the previous generation (so it is remembered for between one and two
 * windows), and a generation's sets expire once no lookup can reach them. A chunk costs one script call
 * to look up and one to mark, each id is sent once per call, and Redis does a set lookup or insert per
 * id (one key with its own expiry per id cost Redis about three times the CPU, and the service more).
 */
export class DedupStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowS: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** For each (source, id), whether it was published within the window. */
  async seen(items: ReadonlyArray<{ source: string; id: string }>): Promise<boolean[]> {
    const result = new Array<boolean>(items.length).fill(false);
    const generation = this.generation();
    for (let from = 0; from < items.length; from += MAX_IDS_PER_CALL) {
      const groups = groupByShard(items, from, Math.min(items.length, from + MAX_IDS_PER_CALL));
      const keys = groups.flatMap((g) => [
        this.key(g.source, generation, g.shard),
        this.key(g.source, generation - 1, g.shard),
      ]);
      const found = (await this.redis.eval(SEEN_SCRIPT, keys.length, ...keys, ...idArgs(groups))) as number[];
      let i = 0;
      for (const g of groups) for (const position of g.positions) result[position] = found[i++] > 0;
    }
    return result;
  }

  async markPublished(items: ReadonlyArray<{ source: string; id: string }>): Promise<void> {
    const generation = this.generation();
    // Kept until the next generation is over (plus a minute for clocks that differ between replicas).
    const expireAt = (generation + 2) * this.windowS + 60;
    for (let from = 0; from < items.length; from += MAX_IDS_PER_CALL) {
      const groups = groupByShard(items, from, Math.min(items.length, from + MAX_IDS_PER_CALL));
      const keys = groups.map((g) => this.key(g.source, generation, g.shard));
      await this.redis.eval(MARK_SCRIPT, keys.length, ...keys, expireAt, ...idArgs(groups));
    }
  }

  private generation(): number {
    return Math.floor(this.now() / 1000 / this.windowS);
  }

  /** The source in braces: a source's sets share one Redis Cluster slot, so one script may use them all. */
  private key(source: string, generation: number, shard: number): string {
    return `${this.prefix}:dedup:{${source}}:${generation}:${shard}`;
  }
}

/** Per group, its number of ids and then the ids. */
function idArgs(groups: Group[]): Array<string | number> {
  const args: Array<string | number> = [];
  for (const g of groups) args.push(g.ids.length, ...g.ids);
  return args;
}

/** The items from `from` to `to` (exclusive), grouped by source and shard. */
function groupByShard(items: ReadonlyArray<{ source: string; id: string }>, from: number, to: number): Group[] {
  const groups = new Map<string, Group>();
  for (let position = from; position < to; position++) {
    const { source, id } = items[position];
    const shard = hash(id) & (SHARDS - 1);
    const name = `${shard}:${source}`;
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { source, shard, ids: [], positions: [] }));
    group.ids.push(id);
    group.positions.push(position);
  }
  return [...groups.values()];
}

/** FNV-1a over the UTF-16 code units: cheap, and spreads ids evenly over the shards. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
