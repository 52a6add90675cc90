// Runs once when the server starts: open the pool, as every Python DB peer does at startup.
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { openPool } = await import('./lib/db.js');
    await openPool();
  }
}
