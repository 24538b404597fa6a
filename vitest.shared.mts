// The Vitest configuration every project shares: path aliases and a node environment.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Shared by every project: the path aliases of tsconfig.base.json and a node environment.
 * Type tests (`*.types.spec.ts`) are checked by each project's `typecheck` target (tsc).
 */
export function projectConfig(projectRoot: string, options: { testTimeout?: number; include?: string[]; fileParallelism?: boolean } = {}) {
  return defineConfig({
    root,
    resolve: {
      alias: [
        { find: /^@game-mesh\/events\/testing$/, replacement: `${root}libs/events/src/testing/index.ts` },
        { find: /^@game-mesh\/events$/, replacement: `${root}libs/events/src/index.ts` },
        { find: /^@game-mesh\/runtime$/, replacement: `${root}libs/runtime/src/index.ts` },
        { find: /^@game-mesh\/services$/, replacement: `${root}libs/services/src/index.ts` },
      ],
    },
    test: {
      name: projectRoot.split('/').at(-1) ?? projectRoot,
      environment: 'node',
      // Machines with Node 20 make the SDK warn that it wants Node 22; CI runs Node 24 (.ci/run).
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      include: options.include ?? [`${projectRoot}/**/*.spec.ts`],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 20_000,
      fileParallelism: options.fileParallelism ?? true,
    },
  });
}
