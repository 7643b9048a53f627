// Load for scripts/bench-inspect-https.sh: CONNS keep-alive HTTPS
// connections to 127.0.0.1:PORT, each sending REQUESTS requests one after
// another, the connections cycling through the five TLS 1.2 and 1.3 suites
// simhttp decrypts. Run with --tls-keylog=FILE for the secrets.
//
//   node --tls-keylog=FILE https-load.js PORT CONNS REQUESTS
'use strict';
const https = require('https');

const [port, conns, requests] = process.argv.slice(2).map(Number);
const suites = [
  { maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
  { maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' },
  { maxVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
  { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
];
const paths = ['/a', '/b', '/upload'];

async function connection(i) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, ...suites[i % suites.length] });
  for (let k = 0; k < requests; k++) {
    const path = paths[k % paths.length];
    await new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path, method: path === '/upload' ? 'POST' : 'GET', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(path === '/upload' ? `item=${k}&conn=${i}` : undefined);
    });
  }
  agent.destroy();
}

Promise.all(Array.from({ length: conns }, (_, i) => connection(i))).catch((err) => {
  console.error(err);
  process.exit(1);
});
