// The peer's PostgreSQL pool: one per server process, of the benchmark's pool size (min = max,
// opened at startup by instrumentation.js, never closed while idle), shared through globalThis
// because Next bundles the instrumentation hook and the actions separately.
import pg from 'pg';

const DSN = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/authstage_bench';
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? '5');

export function pool() {
  globalThis.benchPool ??= new pg.Pool({
    connectionString: DSN,
    min: POOL_SIZE,
    max: POOL_SIZE,
    idleTimeoutMillis: 0,
  });
  return globalThis.benchPool;
}

export async function openPool() {
  const clients = await Promise.all(Array.from({ length: POOL_SIZE }, () => pool().connect()));
  for (const client of clients) client.release();
}
