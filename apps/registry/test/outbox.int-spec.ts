import { ModelEvent } from '@shelfcast/contracts';

import { enqueueModelEvent, modelEvent } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/relay';
import { registration, startRegistry, type Registry } from './harness';

const actor = { actor: 'ops', reason: 'test' };

/** What the test compares: the event type, the version and, for alias moves, the alias and where it came from. */
function summary(e: ModelEvent): string {
  switch (e.type) {
    case 'shelfcast.model.registered.v1':
      return `registered ${e.data.modelName}/${e.data.version}`;
    case 'shelfcast.model.alias-moved.v1':
      return `${e.data.rollback ? 'rolled back' : 'moved'} ${e.data.modelName}:${e.data.alias} ${e.data.previousVersion}->${e.data.version}${e.data.forced ? ' forced' : ''}`;
    case 'shelfcast.model.archived.v1':
      return `archived ${e.data.modelName}/${e.data.version}`;
  }
}

describe('model events through the transactional outbox', () => {
  let r: Registry;

  beforeAll(async () => {
    r = await startRegistry();
  });

  afterAll(async () => {
    await r?.close();
  });

  it('publishes every change to the models topic, keyed by model, in the order of the changes', async () => {
    const c = r.client;
    const v1 = await c.registerVersion('ordered', registration('o1', { wape: 0.2 }));
    await c.registerVersion('ordered', registration('o2', { wape: 0.1 }));
    await c.registerVersion('ordered', registration('o1')); // repeated run: no event
    await c.moveAlias('ordered', 'production', { version: 1, ...actor });
    await c.moveAlias('ordered', 'production', { version: 1, ...actor }); // no change: no event
    await expect(c.moveAlias('ordered', 'production', { version: 2, ...actor, expectedVersion: 2 })).rejects.toThrow(
      /409/,
    ); // refused: no event
    await c.moveAlias('ordered', 'production', { version: 2, ...actor });
    await c.rollback('ordered', 'production', actor);
    await c.registerVersion('ordered', registration('o3', { wape: 0.5 }));
    await c.moveAlias('ordered', 'production', { version: 3, ...actor, force: true });
    await c.archive('ordered', 2, actor);

    const expected = [
      'registered ordered/1',
      'registered ordered/2',
      'moved ordered:production null->1',
      'moved ordered:production 1->2',
      'rolled back ordered:production 2->1',
      'registered ordered/3',
      'moved ordered:production 1->3 forced',
      'archived ordered/2',
    ];
    const events = await r.events(expected.length);
    expect(events.map((m) => summary(m.event))).toEqual(expected);
    expect(events.every((m) => m.key === 'ordered')).toBe(true);
    for (const m of events) expect(ModelEvent.safeParse(m.event).success).toBe(true);
    expect(events[0].event).toMatchObject({
      source: 'registry',
      subject: 'models/ordered',
      data: { artifactSha256: v1.version.artifact.sha256, runId: 'o1' },
    });
    expect(new Set(events.map((m) => m.event.id)).size).toBe(expected.length);

    // Nothing more was published, and the outbox has nothing left to send.
    expect(await r.topicSize()).toBe(expected.length);
    expect(await r.prisma.modelOutboxEvent.count({ where: { sentAt: null } })).toBe(0);
    const metrics = await (await fetch(`${r.base}/metrics`)).text();
    expect(metrics).toMatch(/shelfcast_registry_outbox_pending\{service="registry"\} 0/);
    expect(metrics).toMatch(/shelfcast_registry_outbox_published_total\{service="registry"\} 8/);
  });

  it('sends nothing for a rolled-back transaction', async () => {
    const before = await r.topicSize();
    const ghost = modelEvent('shelfcast.model.registered.v1', {
      modelName: 'ghost',
      version: 1,
      artifactSha256: 'a'.repeat(64),
    });
    // A change that fails after writing its event: the event goes with the transaction.
    await expect(
      r.prisma.$transaction(async (tx) => {
        await enqueueModelEvent(tx, ghost);
        throw new Error('the change failed after its event was written');
      }),
    ).rejects.toThrow('the change failed');

    // A change that commits afterwards is published; the rolled-back one never is.
    await r.client.registerVersion('after-rollback', registration('ar1'));
    const events = await r.events(before + 1);
    expect(events.map((m) => m.event.data.modelName)).not.toContain('ghost');
    expect(events[before].event.data.modelName).toBe('after-rollback');
    expect(await r.topicSize()).toBe(before + 1);
    expect(await r.prisma.modelOutboxEvent.count({ where: { key: 'ghost' } })).toBe(0);
  });

  it('sends nothing for a registry change whose transaction fails after writing its event', async () => {
    const schema = r.config.DATABASE_SCHEMA;
    // The database refuses the commit of any move of alias 'doomed' (a deferred check, so it fires
    // after the move, its audit entry and its outbox event were written in the transaction).
    await r.prisma.$executeRawUnsafe(`
      CREATE FUNCTION "${schema}".refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.alias = 'doomed' THEN RAISE EXCEPTION 'commit refused by the test'; END IF;
        RETURN NEW;
      END $$`);
    await r.prisma.$executeRawUnsafe(`
      CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT OR UPDATE ON "${schema}".model_aliases
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_doomed()`);
    try {
      await r.client.registerVersion('doomed-model', registration('dm1'));
      const before = await r.events(await r.topicSize());
      const refused = await r.http('PUT', '/v1/models/doomed-model/aliases/doomed', { version: 1, ...actor });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(refused.body.error.code).toBeDefined();
      // The move is not there, nor its audit entry, nor its event.
      await expect(r.client.getAlias('doomed-model', 'doomed')).rejects.toMatchObject({ status: 404 });
      expect((await r.client.audit('doomed-model')).items).toEqual([]);
      // Only its registration is in the outbox.
      expect(await r.prisma.modelOutboxEvent.count({ where: { key: 'doomed-model' } })).toBe(1);

      // A change after it is published, and the refused one never is.
      await r.client.moveAlias('doomed-model', 'staging', { version: 1, ...actor });
      const after = await r.events(before.length + 1);
      const added = after.slice(before.length).map((m) => summary(m.event));
      expect(added).toEqual(['moved doomed-model:staging null->1']);
      expect(after.map((m) => summary(m.event)).some((e) => e.includes(':doomed '))).toBe(false);
    } finally {
      await r.prisma.$executeRawUnsafe(`DROP TRIGGER refuse_doomed ON "${schema}".model_aliases`);
      await r.prisma.$executeRawUnsafe(`DROP FUNCTION "${schema}".refuse_doomed()`);
    }
  });

  // Last: it stops the relay.
  it('deletes sent events past their retention, never an unsent one', async () => {
    await r.client.registerVersion('retained', registration('ret1'));
    const sent = async () =>
      r.prisma.modelOutboxEvent.findMany({ where: { key: 'retained', sentAt: { not: null } }, select: { id: true } });
    for (let i = 0; i < 100 && (await sent()).length === 0; i++) await new Promise((res) => setTimeout(res, 100));
    expect(await sent()).toHaveLength(1);
    const relay = r.app.get(OutboxRelay);
    await relay.stop();
    const unsent = modelEvent('shelfcast.model.archived.v1', { modelName: 'retained', version: 1 });
    await r.prisma.$transaction((tx) => enqueueModelEvent(tx, unsent));
    // Within retention (7 days by default): kept.
    expect(await relay.purgeSent()).toBe(0);
    await r.prisma.modelOutboxEvent.updateMany({
      where: { key: 'retained' },
      data: { createdAt: new Date(Date.now() - 30 * 86_400_000) },
    });
    await r.prisma.modelOutboxEvent.updateMany({
      where: { key: 'retained', sentAt: { not: null } },
      data: { sentAt: new Date(Date.now() - 8 * 86_400_000) },
    });
    expect(await relay.purgeSent()).toBe(1);
    const left = await r.prisma.modelOutboxEvent.findMany({ where: { key: 'retained' } });
    expect(left.map((e) => e.sentAt)).toEqual([null]);
  });
});
