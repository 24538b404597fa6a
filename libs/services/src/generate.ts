import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceDeclaration } from './declarations';

/** One Dockerfile shape for every app, filled in from its declaration. */
export function dockerfileFor(service: ServiceDeclaration): string {
  const { name, port } = service;
  return `# syntax=docker/dockerfile:1
# ${name}: build from the repository root:  docker build -f apps/${name}/Dockerfile .
# Generated from apps/${name}/service.json by \`npm run services\`; every app's Dockerfile has this shape.
# The runtime image holds one self-contained bundle (every dependency inside) and nothing else.

FROM node:24-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY tools/build ./tools/build
COPY tools/docker/healthcheck.cjs ./tools/docker/
COPY libs ./libs
COPY apps/${name} ./apps/${name}
RUN node tools/build/bundle.mjs ${name}

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=${port}
WORKDIR /app
COPY --from=build --chown=root:root /repo/dist/apps/${name}/main.cjs /repo/dist/apps/${name}/main.cjs.map /repo/tools/docker/healthcheck.cjs ./
USER node
EXPOSE ${port}
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "healthcheck.cjs"]
# Exec form: node is PID 1 and gets SIGTERM itself, drains and exits 0.
CMD ["node", "--enable-source-maps", "main.cjs"]
`;
}

const BEGIN = '  # --- apps: generated from apps/*/service.json by `npm run services`; edit those, not this ---';
const END = '  # --- end of apps ---';

/** The environment variable that moves an app's published port on the host, e.g. SAMPLE_CONSUMER_PORT. */
export const hostPortVariable = (name: string) => `${name.toUpperCase().replaceAll('-', '_')}_PORT`;

function composeApp(service: ServiceDeclaration): string {
  const { name, port } = service;
  return `  ${name}:
    <<: *app
    build:
      context: .
      dockerfile: apps/${name}/Dockerfile
    image: game-mesh/${name}:local
    command: ["node", "--env-file=/provisioned/${name}.env", "--enable-source-maps", "main.cjs"]
    ports:
      - "127.0.0.1:\${${hostPortVariable(name)}:-${port}}:${port}"
`;
}

/** docker-compose.yml with its apps section generated from the declarations; the rest as written. */
export function composeFile(current: string, services: readonly ServiceDeclaration[]): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docker-compose.yml lacks the generated apps section (${BEGIN.trim()} … ${END.trim()})`);
  return `${current.slice(0, start)}${BEGIN}\n${services.map(composeApp).join('\n')}${current.slice(end)}`;
}

/** Every file `npm run services` writes, by path from the repository root. */
export function generatedServiceFiles(root: string, services: readonly ServiceDeclaration[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const service of services) files.set(`apps/${service.name}/Dockerfile`, dockerfileFor(service));
  files.set('docker-compose.yml', composeFile(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), services));
  return files;
}
