/**
 * The one structured logger every component takes: Powertools' Logger satisfies it, and each
 * component asks for the levels it uses (`Pick<Logger, 'info' | 'warn'>`). Never given a secret, a
 * webhook URL or a token.
 */
export interface Logger {
  /** When present, lines below the level in force are not even built. */
  getLevelName?(): string;
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
