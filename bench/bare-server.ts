/**
 * The baseline of bench:ingest: a bare Node HTTP server that only reads and parses each body,
 * answering as Kindling would. Whatever Kindling adds (auth, validation, schema, durable
 * enqueue) is measured against this.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"bad_request","message":"The body is not valid JSON."}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"message":"Logged!"}');
  });
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
