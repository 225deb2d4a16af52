import { at, firstStr, record } from '../fields.ts';
import { ruleIdIn } from '../signals.ts';
import { capitalise, quote, sentences, token } from '../text.ts';
import {
  aroundTime,
  isInternalAddress,
  ruleQuote,
  type ExplainContext,
  type Explanation,
} from './context.ts';
import { levelMeaning } from './level.ts';

/** One cloud audit record, whatever the provider. */
interface CloudEvent {
  provider: string;
  /** Where the record comes from: "the AWS audit log (CloudTrail) of account 1234". */
  log: string;
  action: string | undefined;
  service: string | undefined;
  principal: string | undefined;
  sourceIp: string | undefined;
  target: string | undefined;
  /** Where in the account, as a phrase: "in us-west-1", "in resource group X". */
  where: string | undefined;
  userAgent: string | undefined;
  /** A service acting for the principal (CloudFormation, say). */
  via: string | undefined;
  /** true allowed or succeeded, false refused or failed, undefined not stated. */
  allowed: boolean | undefined;
  mfa: boolean | undefined;
}

const IP = /^[0-9a-f.:]+$/i;
const AZURE_KEYS = ['OperationName', 'Caller', 'SubscriptionId', 'ResourceProvider', 'azure_tag'];

function inPlace(name: string | undefined, kind = ''): string | undefined {
  return name ? `in ${kind}${token(name, 60)}` : undefined;
}

function aws(data: Record<string, unknown>): CloudEvent {
  const event = record(data['aws']);
  const identity = record(event?.['userIdentity']);
  const account = firstStr(
    event?.['aws_account_id'],
    event?.['recipientAccountId'],
    identity?.['accountId'],
  );
  const source = firstStr(event?.['source']) ?? 'cloudtrail';
  const mfa = firstStr(at(identity, 'sessionContext', 'attributes', 'mfaAuthenticated'));
  const error = firstStr(event?.['errorCode']);
  return {
    provider: 'AWS',
    log: `the AWS ${source === 'cloudtrail' ? 'audit log (CloudTrail)' : `${token(source, 20)} log`}${account ? ` of account ${token(account, 20)}` : ''}`,
    action: firstStr(event?.['eventName'], event?.['title']),
    service: firstStr(event?.['eventSource']),
    principal: firstStr(identity?.['userName'], identity?.['arn'], identity?.['principalId']),
    sourceIp: firstStr(event?.['sourceIPAddress']),
    target: undefined,
    where: inPlace(firstStr(event?.['awsRegion'])),
    userAgent: firstStr(event?.['userAgent']),
    via: firstStr(identity?.['invokedBy']),
    allowed: error ? false : firstStr(event?.['eventName']) ? true : undefined,
    mfa: mfa === undefined ? undefined : mfa === 'true',
  };
}

function gcp(data: Record<string, unknown>): CloudEvent {
  const payload = record(data['protoPayload']) ?? record(at(data, 'gcp', 'protoPayload'));
  const resource = record(data['resource']) ?? record(at(data, 'gcp', 'resource'));
  const authorization = at(payload, 'authorizationInfo');
  const granted = Array.isArray(authorization)
    ? firstStr(at(authorization[0], 'granted'))
    : undefined;
  const project = firstStr(at(resource, 'labels', 'project_id'));
  const cluster = firstStr(at(resource, 'labels', 'cluster_name'));
  return {
    provider: 'Google Cloud',
    log: `the Google Cloud audit log${project ? ` of project ${token(project)}` : ''}${cluster ? `, cluster ${token(cluster)}` : ''}`,
    action: firstStr(payload?.['methodName']),
    service: firstStr(payload?.['serviceName']),
    principal: firstStr(at(payload, 'authenticationInfo', 'principalEmail')),
    sourceIp: firstStr(at(payload, 'requestMetadata', 'callerIp')),
    target: firstStr(payload?.['resourceName']),
    where: inPlace(firstStr(at(resource, 'labels', 'location'))),
    userAgent: firstStr(at(payload, 'requestMetadata', 'callerSuppliedUserAgent')),
    via: undefined,
    allowed: granted === undefined ? undefined : granted === 'true',
    mfa: undefined,
  };
}

function azure(data: Record<string, unknown>): CloudEvent {
  const status = firstStr(data['ActivityStatus'], data['ActivityStatusValue']);
  const subscription = firstStr(data['SubscriptionId']);
  return {
    provider: 'Azure',
    log: `the Azure activity log${subscription ? ` of subscription ${token(subscription)}` : ''}`,
    action: firstStr(data['OperationName'], data['OperationNameValue']),
    service: firstStr(data['ResourceProvider']),
    principal: firstStr(data['Caller']),
    sourceIp: firstStr(data['CallerIpAddress']),
    target: firstStr(data['Resource']),
    where: inPlace(firstStr(data['ResourceGroup']), 'resource group '),
    userAgent: undefined,
    via: undefined,
    allowed: status && /fail/i.test(status) ? false : undefined,
    mfa: undefined,
  };
}

function office365(data: Record<string, unknown>): CloudEvent {
  const event = record(data['office365']);
  const result = firstStr(event?.['ResultStatus']);
  return {
    provider: 'Microsoft 365',
    log: 'the Microsoft 365 audit log',
    action: firstStr(event?.['Operation']),
    service: firstStr(event?.['Workload']),
    principal: firstStr(event?.['UserId']),
    sourceIp: firstStr(event?.['ClientIP']),
    target: firstStr(event?.['ObjectId']),
    where: undefined,
    userAgent: undefined,
    via: undefined,
    allowed: result ? !/fail/i.test(result) : undefined,
    mfa: undefined,
  };
}

function readEvent(ctx: ExplainContext): CloudEvent {
  const data = ctx.signals.data;
  const integration = firstStr(data['integration']);
  // Trimmed alerts: the stock rule ranges name the provider (AWS 80200-80499, Azure 87800s).
  if (record(data['aws']) || integration === 'aws' || ruleIdIn(ctx.signals, [80200, 80499])) {
    return aws(data);
  }
  if (record(data['protoPayload']) || record(data['gcp']) || integration === 'gcp') {
    return gcp(data);
  }
  if (record(data['office365'])) {
    return office365(data);
  }
  if (
    AZURE_KEYS.some((key) => data[key] !== undefined) ||
    integration === 'azure' ||
    ruleIdIn(ctx.signals, [87800, 87899])
  ) {
    return azure(data);
  }
  return unknownCloud();
}

/** A cloud alert whose record Herald cannot read (trimmed, or a provider it does not know). */
function unknownCloud(): CloudEvent {
  return {
    provider: 'Cloud',
    log: 'a cloud audit log',
    action: undefined,
    service: undefined,
    principal: undefined,
    sourceIp: undefined,
    target: undefined,
    where: undefined,
    userAgent: undefined,
    via: undefined,
    allowed: undefined,
    mfa: undefined,
  };
}

/** Audit records of cloud accounts: AWS CloudTrail, Google Cloud, Azure, Microsoft 365. */
export function explainCloudAudit(ctx: ExplainContext): Explanation {
  const { alert, signals, host } = ctx;
  const event = readEvent(ctx);
  const principal = event.principal ? token(event.principal, 80) : 'an unidentified account';
  const manager = `whoever manages the ${event.provider === 'Cloud' ? 'cloud' : event.provider} account`;
  const action = event.action ? token(event.action, 80) : 'an action';
  const ip = event.sourceIp ? token(event.sourceIp, 60) : undefined;
  const when = aroundTime(alert);
  const publicIp = event.sourceIp && IP.test(event.sourceIp) && !isInternalAddress(event.sourceIp);

  const summary = sentences(
    `${capitalise(event.log)} records that ${principal} ran ${action}${event.service ? ` on ${token(event.service, 60)}` : ''}${event.target ? ` for ${token(event.target, 80)}` : ''}${event.where ? ` ${event.where}` : ''}.`,
    event.via
      ? `It was made through ${token(event.via, 60)} on behalf of that account.`
      : undefined,
    ip
      ? `The request came from ${ip}${event.userAgent && event.userAgent !== event.sourceIp ? ` using ${quote(event.userAgent, 80)}` : ''}.`
      : undefined,
    event.allowed === true
      ? 'It was allowed.'
      : event.allowed === false
        ? 'It was refused or failed.'
        : undefined,
    `Wazuh's rule says: ${ruleQuote(alert)}.`,
    `The record was collected by ${host.described}.`,
  );

  const whyItMatters = sentences(
    'Cloud audit logs record who changed what in your cloud accounts; a change by an unexpected person or from an unexpected address can mean stolen credentials, and cloud changes take effect at once.',
    event.via
      ? 'Going through a service like this usually means an automated deployment rather than a person at a keyboard.'
      : undefined,
    event.mfa === false
      ? 'The session was not protected by multi-factor authentication.'
      : undefined,
    event.allowed === false
      ? 'The request was refused, so nothing changed; repeated refusals can mean someone probing what a stolen key may do.'
      : undefined,
    levelMeaning(signals.rawLevel),
  );

  return {
    title: `${event.provider}: ${principal} ran ${action}${event.target ? ` on ${token(event.target, 60)}` : event.where ? ` ${event.where}` : ''}${ip && !event.via ? ` from ${ip}` : ''}`,
    summary,
    whyItMatters,
    nextSteps: [
      `Confirm with ${event.principal ? `${principal}, or ${manager},` : manager} that ${action}${when} was intended.`,
      publicIp
        ? `Check that ${ip} is one of your offices, VPNs or services; if it is not, treat the account's credentials as stolen.`
        : `Check that the request source${ip ? ` ${ip}` : ''} is one you expect for this account.`,
      event.principal
        ? `Review everything ${principal} did in ${event.provider} over the last 24 hours in the same audit log.`
        : 'Find the record in the audit log to see which account acted, and review its other actions.',
      `If anything is unexpected, revoke the account's keys and sessions and require multi-factor authentication.`,
    ],
  };
}
