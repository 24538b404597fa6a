// Lists every topic ARN of an account or emulator, page by page.
import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';

/** Every topic ARN of the account and region, through ListTopics' pages. Creates nothing. */
export async function listTopicArns(sns: SNSClient): Promise<string[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand(token === undefined ? {} : { NextToken: token }));
    arns.push(...(page.Topics ?? []).flatMap((t) => (t.TopicArn === undefined ? [] : [t.TopicArn])));
    token = page.NextToken;
  } while (token !== undefined);
  return arns;
}
