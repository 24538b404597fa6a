import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * What the stack needs to know of a service, declared once in `apps/<name>/service.json`: its
 * port, and how it scales (absent: exactly one task — a clock, a simulation). `npm start`, compose,
 * the Dockerfiles, the CDK stacks and the ops CLI read these files.
 */
export const serviceDeclarationSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    port: z.int().min(1024).max(65_535),
    scaling: z.object({ minTasks: z.int().min(1), maxTasks: z.int().min(1), backlogPerTask: z.int().min(1) }).strict().optional(),
  })
  .strict();

export type ServiceDeclaration = z.output<typeof serviceDeclarationSchema>;

/** Every `apps/<name>/service.json`, validated (every problem named), ordered by port. */
export function loadServiceDeclarations(root: string): ServiceDeclaration[] {
  const appsDir = join(root, 'apps');
  const problems: string[] = [];
  const declarations: ServiceDeclaration[] = [];
  for (const app of readdirSync(appsDir).sort()) {
    const file = join(appsDir, app, 'service.json');
    if (!existsSync(file)) continue;
    const parsed = serviceDeclarationSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `apps/${app}/service.json: ${i.path.join('.') || '(root)'}: ${i.message}`));
    else if (parsed.data.name !== app) problems.push(`apps/${app}/service.json: name "${parsed.data.name}" must be the folder's name`);
    else declarations.push(parsed.data);
  }
  const ports = new Map<number, string>();
  for (const d of declarations) {
    const other = ports.get(d.port);
    if (other) problems.push(`${d.name} and ${other} both declare port ${d.port}`);
    ports.set(d.port, d.name);
  }
  if (problems.length > 0) throw new Error(`Service declarations are invalid:\n- ${problems.join('\n- ')}`);
  return declarations.sort((a, b) => a.port - b.port);
}
