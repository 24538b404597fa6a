// HEALTHCHECK of every image: exit 0 when GET http://127.0.0.1:$PORT/health answers 2xx.
// A file rather than an inline `node -e` script: some engines split exec-form arguments on spaces.
const port = process.env.HEALTH_PORT || process.env.PORT || '4566';
fetch(`http://127.0.0.1:${port}/health`).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
