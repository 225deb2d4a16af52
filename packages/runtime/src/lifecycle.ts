import type { Logger } from 'pino';

export interface ServiceHandle {
  /** Stops taking work, finishes or releases what it holds, closes connections. */
  stop(): Promise<void>;
}

/**
 * Runs a service's main: starts it, stops it once on SIGTERM or SIGINT (a second signal
 * exits at once), bounds the stop by `shutdownTimeoutMs`, and exits non-zero if start
 * fails or the process meets an error nothing handled.
 */
export async function runService(
  logger: Logger,
  start: () => Promise<ServiceHandle>,
  { shutdownTimeoutMs = 10_000 }: { shutdownTimeoutMs?: number } = {},
): Promise<void> {
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    logger.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    logger.flush();
    process.exit(1);
  });

  let handle: ServiceHandle;
  try {
    handle = await start();
  } catch (err) {
    logger.fatal({ err }, 'service failed to start');
    logger.flush();
    process.exit(1);
  }
  logger.info('service started');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'service stopping');
    const timer = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'stop took too long, exiting');
      logger.flush();
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    handle.stop().then(
      () => {
        logger.info('service stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'service stop failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
