// node-http: serves on $PORT; debugger tests set a breakpoint on the line
// marked BREAKPOINT and drive it with a request.
const http = require('http');

const port = parseInt(process.env.PORT || '8080', 10);

const server = http.createServer((req, res) => {
  const greeting = 'hello from node-http'; // BREAKPOINT node-http
  res.end(`${greeting} path=${req.url}\n`);
});

server.listen(port, '0.0.0.0', () => {
  console.log(`node-http listening on :${port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
