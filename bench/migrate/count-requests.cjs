// Preloaded into meshferry (node --require) by bench/migrate: counts HTTPS requests and writes the count at exit.
const https = require('node:https');
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
let count = 0;
const original = https.request;
https.request = function countedRequest(...args) {
  count++;
  return original.apply(this, args);
};
syncBuiltinESMExports();
process.on('exit', () => {
  if (process.env.MESHFERRY_BENCH_REQUESTS_FILE) fs.writeFileSync(process.env.MESHFERRY_BENCH_REQUESTS_FILE, String(count));
});
