// ARNs and URLs of the messaging resources, computed from their names.
import { Arn, ArnFormat, Aws, type Stack } from 'aws-cdk-lib';

/**
 * ARNs and URLs of the messaging resources, computed from their names. App stacks use these rather
 * than cross-stack exports, so each app deploys on its own and no stack pins another's outputs.
 */
export const messagingNames = {
  topicArn: (stack: Stack, name: string) => Arn.format({ service: 'sns', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack),
  queueArn: (stack: Stack, name: string) => Arn.format({ service: 'sqs', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack),
  queueUrl: (name: string) => `https://sqs.${Aws.REGION}.${Aws.URL_SUFFIX}/${Aws.ACCOUNT_ID}/${name}`,
};

/** The topic every alarm of one environment notifies (MessagingStack creates it; app stacks name it). */
export const alarmTopicName = (prefix: string) => `${prefix}-mesh-alarms`;
