'use server';
// The server actions: the work of the authstage peers noop_authstage, db_authstage_compiled
// and auth_authstage, each called by the page's client component with Next's own protocol.
import { createHash } from 'node:crypto';
import { cookies } from 'next/headers';
import { unauthorized } from 'next/navigation';
import { pool } from '../lib/db.js';

// The statement the Python insert peers send (bench/servers/tables.py INSERT_SQL).
const INSERT_SQL =
  'INSERT INTO "authstage_bench_row" ("id","name","value") VALUES (DEFAULT,$1,$2) RETURNING "id"';

// The session joined with its user by the token's hash: the query authstage's
// SessionManager.lookup sends (authstage/auth/sessions.py), as Piccolo writes it.
const SESSION_SQL =
  'SELECT ALL "authstage_session"."id" AS "id", "authstage_session"."created_at" AS "created_at", ' +
  '"authstage_session"."expires_at" AS "expires_at", "authstage_session"."last_seen_at" AS "last_seen_at", ' +
  '"authstage_session$user"."id" AS "user_id", "authstage_session$user"."email" AS "email", ' +
  '"authstage_session$user"."name" AS "name", "authstage_session$user"."role" AS "role", ' +
  '"authstage_session$user"."avatar" AS "avatar", "authstage_session$user"."bio" AS "bio", ' +
  '"authstage_session$user"."website" AS "website" FROM "authstage_session" ' +
  'LEFT JOIN "authstage_user" "authstage_session$user" ' +
  'ON ("authstage_session"."user" = "authstage_session$user"."id") ' +
  'WHERE "authstage_session"."token_hash" = $1 LIMIT 1';

const TOUCH_SQL =
  'UPDATE "authstage_session" SET "expires_at" = $1, "last_seen_at" = $2 ' +
  'WHERE "authstage_session"."id" = $3';

// SessionManager's defaults (AuthConfig()): sliding lifetime, absolute cap, touch interval.
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const LIFETIME = 14 * DAY;
const ABSOLUTE = 30 * DAY;
const TOUCH_INTERVAL = 5 * MINUTE;

// JSON integers as JavaScript reads them exactly (within 2**53, inside the 64-bit bounds).
const isInt = (x) => Number.isSafeInteger(x);
const isInt32 = (x) => isInt(x) && x >= -(2 ** 31) && x < 2 ** 31;

export async function add(a, b) {
  if (!isInt(a) || !isInt(b)) throw new TypeError('a and b must be integers');
  return a + b;
}

export async function insertRow(name, value) {
  if (typeof name !== 'string' || name.length > 100) throw new TypeError('name: up to 100 characters');
  if (!isInt32(value)) throw new TypeError('value must be a 32-bit integer');
  const { rows } = await pool().query(INSERT_SQL, [name, value]);
  return rows[0].id;
}

export async function whoami() {
  const token = (await cookies()).get('authstage_session')?.value;
  if (!token || token.length > 128) unauthorized();
  const hash = createHash('sha256').update(token).digest('hex');
  const { rows } = await pool().query(SESSION_SQL, [hash]);
  const row = rows[0];
  const now = Date.now();
  const created = row?.created_at.getTime();
  if (row === undefined || row.expires_at.getTime() <= now || created + ABSOLUTE <= now) {
    unauthorized();
  }
  if (now - row.last_seen_at.getTime() >= TOUCH_INTERVAL) {
    const expires = new Date(Math.min(now + LIFETIME, created + ABSOLUTE));
    await pool().query(TOUCH_SQL, [expires, new Date(now), row.id]);
  }
  return { id: row.user_id, name: row.name };
}
