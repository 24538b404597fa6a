/** The request SNS makes when it delivers to the queue, as a queue policy sees it. */
export interface SnsDelivery {
  queueArn: string;
  topicArn: string;
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Whether a statement applies to SNS's delivery: principal, action, resource and conditions. */
function applies(statement: Statement, delivery: SnsDelivery): boolean | 'unknown' {
  const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const principal = statement.Principal;
  const principalMatches =
    principal === '*' ||
    (typeof principal === 'object' && principal !== null && (list((principal as { Service?: string | string[] }).Service).includes('sns.amazonaws.com') || list((principal as { AWS?: string | string[] }).AWS).includes('*')));
  const actionMatches = list(statement.Action).some((a) => a === '*' || a === 'sqs:*' || a.toLowerCase() === 'sqs:sendmessage');
  const resourceMatches = statement.Resource === undefined || list(statement.Resource).some((r) => r === '*' || r === delivery.queueArn);
  if (!principalMatches || !actionMatches || !resourceMatches) return false;
  const account = delivery.topicArn.split(':')[4] ?? '';
  const context: Record<string, string> = { 'aws:sourcearn': delivery.topicArn, 'aws:sourceaccount': account, 'aws:securetransport': 'true', 'aws:principalisawsservice': 'true' };
  for (const [operator, conditions] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(conditions)) {
      const actual = context[key.toLowerCase()];
      if (actual === undefined) return 'unknown';
      const values = list(expected);
      const outcome = (() => {
        switch (operator) {
          case 'ArnEquals':
          case 'ArnLike':
          case 'StringEquals':
          case 'StringLike':
            return values.some((v) => (v.includes('*') ? new RegExp(`^${v.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(actual) : v === actual));
          case 'ArnNotEquals':
          case 'StringNotEquals':
            return !values.includes(actual);
          case 'Bool':
            return values.map((v) => v.toLowerCase()).includes(actual);
          default:
            return 'unknown' as const;
        }
      })();
      if (outcome === 'unknown') return 'unknown';
      if (!outcome) return false;
    }
  }
  return true;
}

/**
 * Evaluates a queue policy for SNS's delivery from `topicArn`, as IAM would: some Allow must apply
 * and no Deny may. A condition it cannot evaluate counts against (the check says so).
 */
export function snsMayDeliver(policyText: string | undefined, delivery: SnsDelivery): { ok: boolean; detail: string } {
  if (!policyText) return { ok: false, detail: 'the queue has no policy: SNS may not send to it' };
  let statements: Statement[];
  try {
    const parsed = JSON.parse(policyText) as { Statement?: Statement | Statement[] };
    statements = parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  } catch {
    return { ok: false, detail: 'the queue policy is not JSON' };
  }
  const name = (s: Statement, i: number) => s.Sid ?? `statement ${i + 1}`;
  for (const [i, statement] of statements.entries()) {
    if (statement.Effect !== 'Deny') continue;
    const outcome = applies(statement, delivery);
    if (outcome === true) return { ok: false, detail: `${name(statement, i)} denies SNS's delivery from this topic` };
    if (outcome === 'unknown') return { ok: false, detail: `${name(statement, i)} is a Deny with a condition doctor cannot evaluate` };
  }
  const allow = statements.findIndex((s) => s.Effect === 'Allow' && applies(s, delivery) === true);
  return allow >= 0 ? { ok: true, detail: `${name(statements[allow]!, allow)} admits it (aws:SourceArn matches); no Deny applies` } : { ok: false, detail: 'no Allow statement lets this topic send' };
}
