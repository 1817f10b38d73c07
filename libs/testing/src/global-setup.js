// Before integration tests: make sure the real servers answer, and say how to start them when not.
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

module.exports = async () => {
  process.env.TZ = 'UTC';
  const kafka = (process.env.TEST_KAFKA_BROKERS || process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',')[0];
  const db = new URL(process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/shelfcast_test');
  const redis = new URL(process.env.TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const servers = [
    ['Kafka', kafka.split(':')[0], Number(kafka.split(':')[1])],
    ['PostgreSQL', db.hostname, Number(db.port || 5432)],
    ['Redis', redis.hostname, Number(redis.port || 6379)],
  ];
  const down = [];
  for (const [name, host, port] of servers) if (!(await reachable(host, port))) down.push(`${name} at ${host}:${port}`);
  if (down.length) {
    throw new Error(
      `integration tests need the real servers; not reachable: ${down.join(', ')}. Run \`npm run infra:up\` (or \`npm test\`, which does it).`,
    );
  }
};
