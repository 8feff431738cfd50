/**
 * Watches the service threads (kinesalite, dynalite): one that dies (a LevelDB write error: a full
 * disk) fails every wait at once with its reason, rather than after the consumers' stall timeout
 * with none.
 */
import type { LocalService } from './local-services.js';
import type { StackLogger } from './stack-logger.js';

export interface ServiceWatch {
  /** Runs `work`, but rejects with the service's error as soon as one stops. */
  unlessStopped<T>(work: Promise<T>): Promise<T>;
}

export function watchServices(services: readonly LocalService[], logger: StackLogger): ServiceWatch {
  let stopped: Error | null = null;
  let failStopped: (error: Error) => void = () => undefined;
  const serviceStopped = new Promise<never>((_, reject) => {
    failStopped = reject;
  });
  serviceStopped.catch(() => undefined);
  for (const service of services) {
    service.onStopped?.((error) => {
      if (stopped) return;
      stopped = error;
      logger.error(error.message);
      failStopped(error);
    });
  }
  return {
    unlessStopped<T>(work: Promise<T>): Promise<T> {
      if (stopped) {
        work.catch(() => undefined);
        return Promise.reject(stopped);
      }
      return Promise.race([work, serviceStopped]);
    },
  };
}
