import { resolve } from 'node:path';
import { configFromEnv, loadConfig } from '@herald/config';
import { loadEnvOrExit } from '@herald/runtime';
import { runStageService } from '@herald/stage';
import { RedisDeliveryGate } from './delivery-gate.ts';
import { createDestinations } from './destinations.ts';
import { SenderEnv } from './env.ts';
import { createSendHandler } from './handler.ts';
import { MailboxTransport, SmtpTransport, type EmailTransport } from './transports/index.ts';

const env = loadEnvOrExit(SenderEnv);

await runStageService({
  service: 'sender',
  stage: 'send',
  env,
  createHandler: async ({ db, redis, logger, breakers: breakerRegistry }) => {
    // `${VAR}` references in the file are read from the environment, secrets included.
    const config = env.HERALD_CONFIG
      ? await loadConfig(env.HERALD_CONFIG, { env: process.env })
      : configFromEnv(process.env);
    let transport: EmailTransport;
    let emailDestination: string;
    if (env.SMTP_HOST) {
      if (!env.SMTP_TLS_REJECT_UNAUTHORIZED) {
        logger.warn(
          { host: env.SMTP_HOST },
          'SMTP_TLS_REJECT_UNAUTHORIZED is false: the mail server certificate is not verified',
        );
      }
      transport = new SmtpTransport({
        host: env.SMTP_HOST,
        security: env.SMTP_SECURITY,
        rejectUnauthorized: env.SMTP_TLS_REJECT_UNAUTHORIZED,
        connectionTimeoutMs: env.SMTP_TIMEOUT_MS,
        greetingTimeoutMs: env.SMTP_TIMEOUT_MS,
        socketTimeoutMs: env.SMTP_TIMEOUT_MS,
        ...(env.SMTP_PORT ? { port: env.SMTP_PORT } : {}),
        ...(env.SMTP_USER && env.SMTP_PASSWORD
          ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD } }
          : {}),
        ...(env.SMTP_CA_FILE ? { caFile: env.SMTP_CA_FILE } : {}),
      });
      emailDestination = `smtp:${env.SMTP_HOST}`;
      logger.info(
        { host: env.SMTP_HOST, port: env.SMTP_PORT, security: env.SMTP_SECURITY },
        'delivering mail over SMTP',
      );
    } else {
      const directory = resolve(env.HERALD_MAILBOX_DIR);
      transport = new MailboxTransport({ directory });
      emailDestination = 'mailbox';
      logger.info({ directory }, 'SMTP_HOST not set: writing mail as .eml files');
    }
    logger.info(
      { source: config.source, receivers: config.receivers.map((receiver) => receiver.name) },
      'receivers loaded',
    );
    const breakers = breakerRegistry({
      windowMs: env.HERALD_BREAKER_WINDOW_MS,
      minimumCalls: env.HERALD_BREAKER_MIN_CALLS,
      openMs: env.HERALD_BREAKER_OPEN_MS,
      // The transports have their own timeouts per step; this bounds a whole send.
      callTimeoutMs: Math.max(env.SMTP_TIMEOUT_MS, env.HERALD_HTTP_TIMEOUT_MS) * 3,
    });
    return createSendHandler({
      db,
      destinations: createDestinations({
        email: { transport, name: emailDestination },
        receivers: new Map(config.receivers.map((receiver) => [receiver.name, receiver])),
        http: {
          connectTimeoutMs: env.HERALD_HTTP_TIMEOUT_MS,
          responseTimeoutMs: env.HERALD_HTTP_TIMEOUT_MS,
        },
      }),
      breakers,
      gate: new RedisDeliveryGate({ redis, namespace: env.HERALD_REDIS_NAMESPACE }),
      logger,
      concurrency: env.HERALD_SEND_CONCURRENCY,
      destinationRetryMs: env.HERALD_DESTINATION_RETRY_MS,
      receiptWriteBudgetMs: env.HERALD_RECEIPT_WRITE_BUDGET_MS,
    });
  },
});
