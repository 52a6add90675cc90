// The Next.js peer of the authstage benchmark (bench/nextjs.py builds and starts it).
/** @type {import('next').NextConfig} */
const config = {
  // `unauthorized()` (a 401) for `whoami` without a session.
  experimental: { authInterrupts: true },
};

export default config;
