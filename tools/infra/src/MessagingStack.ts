// The messaging stack: topics, queues, DLQs, subscriptions, policies, alarms and a dashboard.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Key } from 'aws-cdk-lib/aws-kms';
import { CfnSubscription, FifoThroughputScope, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { CfnQueuePolicy, DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmTopicName } from './names';
import { ALARM_THRESHOLDS, DEAD_LETTER_RETENTION_SECONDS, deadLetterQueuePolicy, QUEUE_RETENTION_SECONDS, queuePolicy, RECEIVE_WAIT_SECONDS, type ResolvedTopology } from '@game-mesh/events';

/** Who hears the alarms: e-mail addresses and HTTPS endpoints (a chat webhook, an incident tool). */
export interface AlarmSubscribers {
  email?: readonly string[];
  https?: readonly string[];
}

export interface MessagingStackProps extends StackProps {
  topology: ResolvedTopology;
  alarmSubscribers?: AlarmSubscribers;
}

/**
 * Topics, queues, DLQs, subscriptions with their filter policies, queue policies admitting only
 * their topics, encryption at rest, the alarms and a dashboard: generated from the same resolved
 * topology `applyTopology()` applies, so the two cannot disagree.
 */
export class MessagingStack extends Stack {
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { topology } = props;
    const snsKey = Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns');
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: a key of our own that
    // lets CloudWatch use it.
    const alarmKey = new Key(this, 'AlarmTopicKey', { description: `${topology.prefix} mesh alarm topic`, enableKeyRotation: true });
    // Only for this account's alarms (the confused-deputy guard: aws:SourceAccount, aws:SourceArn).
    alarmKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account }, ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` } },
      }),
    );
    this.alarmTopic = new Topic(this, 'Alarms', { topicName: alarmTopicName(topology.prefix), masterKey: alarmKey });
    for (const address of props.alarmSubscribers?.email ?? []) this.alarmTopic.addSubscription(new EmailSubscription(address));
    for (const url of props.alarmSubscribers?.https ?? []) this.alarmTopic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Subscribe here to hear the mesh alarms' });
    // Both ways: someone hears the alarm, and hears when it is over.
    const alarm = (a: Alarm) => {
      a.addAlarmAction(new SnsAction(this.alarmTopic));
      a.addOkAction(new SnsAction(this.alarmTopic));
    };
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${topology.prefix}-game-event-mesh` });

    const topics = new Map<string, Topic>();
    for (const resolved of topology.topics) {
      // An ordered type's topic is FIFO, with the message-group throughput scope (the regional
      // maximum; deduplication within a group, which is where the event ids repeat).
      const fifo = resolved.fifo ? { fifo: true, contentBasedDeduplication: false, fifoThroughputScope: FifoThroughputScope.MESSAGE_GROUP } : {};
      const topic = new Topic(this, `Topic-${resolved.key}`, { topicName: resolved.name, masterKey: snsKey, ...fifo });
      topics.set(resolved.key, topic);
      const failed = topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' });
      const delivered = topic.metricNumberOfNotificationsDelivered({ period: Duration.minutes(5), statistic: 'Sum' });
      const failureRate = new MathExpression({ expression: '100 * failed / (delivered + failed)', usingMetrics: { failed, delivered }, label: `${resolved.name} delivery failures %`, period: Duration.minutes(5) });
      alarm(new Alarm(this, `DeliveryFailures-${resolved.key}`, {
        alarmName: `${resolved.name}-delivery-failures`,
        alarmDescription: `More than ${ALARM_THRESHOLDS.deliveryFailurePercent} % of ${resolved.name}'s deliveries to SQS failed`,
        metric: failureRate,
        threshold: ALARM_THRESHOLDS.deliveryFailurePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }));
      dashboard.addWidgets(new GraphWidget({ title: `${resolved.name}: published / failed`, left: [topic.metricNumberOfMessagesPublished(), topic.metricNumberOfNotificationsFailed()] }));
    }

    for (const resolved of topology.queues) {
      // Attributes and policies from the same code applyTopology() uses (libs/events awsAttributes).
      // FIFO queues in high-throughput mode (FIFO_QUEUE_ATTRIBUTES); a FIFO queue's DLQ is FIFO too.
      const fifo = resolved.fifo ? { fifo: true, deduplicationScope: DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {};
      const deadLetterQueue = new Queue(this, `Dlq-${resolved.service}-${resolved.key}`, {
        ...(resolved.fifo ? { fifo: true } : {}),
        queueName: resolved.deadLetterQueueName,
        retentionPeriod: Duration.seconds(DEAD_LETTER_RETENTION_SECONDS),
        encryption: QueueEncryption.SQS_MANAGED,
      });
      const queue = new Queue(this, `Queue-${resolved.service}-${resolved.key}`, {
        ...fifo,
        queueName: resolved.name,
        visibilityTimeout: Duration.seconds(resolved.visibilityTimeoutSeconds),
        receiveMessageWaitTime: Duration.seconds(RECEIVE_WAIT_SECONDS),
        retentionPeriod: Duration.seconds(QUEUE_RETENTION_SECONDS),
        encryption: QueueEncryption.SQS_MANAGED,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: resolved.maxReceiveCount },
      });
      const sourceTopics = resolved.subscriptions.map((s) => topics.get(s.topicKey)?.topicArn ?? '');
      new CfnQueuePolicy(this, `Policy-${resolved.service}-${resolved.key}`, {
        queues: [queue.queueUrl],
        policyDocument: PolicyDocument.fromJson(queuePolicy(queue.queueArn, sourceTopics, this.account)),
      });
      new CfnQueuePolicy(this, `DlqPolicy-${resolved.service}-${resolved.key}`, {
        queues: [deadLetterQueue.queueUrl],
        policyDocument: PolicyDocument.fromJson(deadLetterQueuePolicy(deadLetterQueue.queueArn)),
      });
      for (const subscription of resolved.subscriptions) {
        new CfnSubscription(this, `Sub-${subscription.topicKey}-${resolved.service}-${resolved.key}`, {
          topicArn: topics.get(subscription.topicKey)?.topicArn ?? '',
          protocol: 'sqs',
          endpoint: queue.queueArn,
          rawMessageDelivery: true,
          filterPolicyScope: 'MessageAttributes',
          filterPolicy: subscription.filterPolicy,
        });
      }
      alarm(new Alarm(this, `Depth-${resolved.service}-${resolved.key}`, {
        alarmName: `${resolved.name}-depth`,
        alarmDescription: `More than ${ALARM_THRESHOLDS.queueDepth} messages waiting in ${resolved.name}`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: ALARM_THRESHOLDS.queueDepth,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      }));
      alarm(new Alarm(this, `Age-${resolved.service}-${resolved.key}`, {
        alarmName: `${resolved.name}-oldest-message`,
        alarmDescription: `The oldest message in ${resolved.name} waits more than ${ALARM_THRESHOLDS.oldestMessageSeconds} s`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: ALARM_THRESHOLDS.oldestMessageSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }));
      alarm(new Alarm(this, `DeadLetters-${resolved.service}-${resolved.key}`, {
        alarmName: `${resolved.deadLetterQueueName}-not-empty`,
        alarmDescription: `${resolved.deadLetterQueueName} has messages: see their deadLetterReason attribute`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: ALARM_THRESHOLDS.deadLetters,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }));
      dashboard.addWidgets(
        new GraphWidget({ title: `${resolved.name}: depth`, left: [queue.metricApproximateNumberOfMessagesVisible(), deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' })] }),
        new GraphWidget({ title: `${resolved.name}: oldest message (s) / deleted`, left: [queue.metricApproximateAgeOfOldestMessage()], right: [queue.metricNumberOfMessagesDeleted()] }),
      );
    }
  }
}
