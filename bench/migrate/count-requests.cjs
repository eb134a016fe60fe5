// Preloaded into meshferry (node --require) by bench/migrate: counts HTTPS requests and writes the count at exit;
// with MESHFERRY_BENCH_REQUESTS_LOG, also one line per request (ms since start, method, port, path, how long its answer took) and per progress line, to find where time goes.
const https = require('node:https');
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
let count = 0;
const t0 = Date.now();
const lines = [];
const original = https.request;
https.request = function countedRequest(...args) {
  count++;
  if (process.env.MESHFERRY_BENCH_REQUESTS_LOG) {
    const o = args.find((a) => a && typeof a === 'object' && !(a instanceof URL)) ?? {};
    const u = args.find((a) => typeof a === 'string' || a instanceof URL);
    const where = u ? new URL(String(u)) : undefined;
    const start = Date.now();
    const i = lines.push(`${start - t0} ${o.method ?? 'GET'} ${where ? `${where.port} ${where.pathname}${where.search}` : `${o.port ?? ''} ${o.path ?? ''}`}`) - 1;
    const req = original.apply(this, args);
    // Each request's line ends with how long its answer took (until the body ended), when it came.
    req.on('response', (res) => res.on('end', () => (lines[i] += ` ${Date.now() - start}ms`)));
    return req;
  }
  return original.apply(this, args);
};
syncBuiltinESMExports();
if (process.env.MESHFERRY_BENCH_REQUESTS_LOG) {
  // meshferry's progress lines go into the same timeline (stderr itself is left as it is).
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk, ...rest) => {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(`${Date.now() - t0} LOG ${l.slice(0, 300)}`);
    return write(chunk, ...rest);
  };
}
process.on('exit', () => {
  if (process.env.MESHFERRY_BENCH_REQUESTS_FILE) fs.writeFileSync(process.env.MESHFERRY_BENCH_REQUESTS_FILE, String(count));
  if (process.env.MESHFERRY_BENCH_REQUESTS_LOG) fs.writeFileSync(process.env.MESHFERRY_BENCH_REQUESTS_LOG, `${lines.join('\n')}\n`);
});
