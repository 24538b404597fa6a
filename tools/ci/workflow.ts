// Reads a GitHub Actions workflow and substitutes its expressions.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The parts of a GitHub Actions workflow the runner-shaped check runs. */
export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string | number | boolean>;
  if?: string;
  shell?: string;
  'working-directory'?: string;
}

export interface WorkflowJob {
  'runs-on': string;
  'timeout-minutes'?: number;
  needs?: string | string[];
  if?: string;
  env?: Record<string, string | number | boolean>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: WorkflowStep[];
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string | number | boolean>;
  jobs: Record<string, WorkflowJob>;
}

export function loadWorkflow(file: string): Workflow {
  return parse(readFileSync(file, 'utf8')) as Workflow;
}

/** What `${{ … }}` may read: the github context, step outputs, env, secrets, needs, matrix. */
export interface ExpressionContext {
  github: Record<string, unknown>;
  env: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
  secrets: Record<string, string>;
  needs: Record<string, { outputs: Record<string, string> }>;
  matrix: Record<string, string>;
}

export class UnsupportedExpressionError extends Error {
  override readonly name = 'UnsupportedExpressionError';
}

/**
 * Replaces each `${{ path.to.value }}` as GitHub does for the property paths workflows here use.
 * Anything else (functions, operators) is refused by name rather than guessed: a check that
 * misreads the workflow would prove nothing.
 */
export function substitute(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_all, expression: string) => {
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(expression)) throw new UnsupportedExpressionError(`\${{ ${expression} }}: only property paths are supported here`);
    const [head, ...path] = expression.split('.');
    if (!(head! in context)) throw new UnsupportedExpressionError(`\${{ ${expression} }}: no context "${head}"`);
    let value: unknown = context[head as keyof ExpressionContext];
    for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    // GitHub renders a missing property (an unset secret) as the empty string.
    return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
