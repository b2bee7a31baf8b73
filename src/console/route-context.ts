import type http from 'node:http';
import type { Logger } from '../log.js';
import type { SessionStore } from './auth.js';
import type { Html } from './html.js';
import { send } from './http-reply.js';
import type { ConsoleInstance } from './instance.js';
import { layout, type Frame } from './pages/layout.js';

/** What every route handler of one console shares: its settings, sessions and instances. */
export interface RouteContext {
  /** The path the console is served under. */
  base: string;
  log: Logger;
  /** `MKTSYNC_CONSOLE_TOKEN`. */
  token: string;
  /** `MKTSYNC_CONSOLE_WRITE=on`. */
  write: boolean;
  sessions: SessionStore;
  /** The instance names, the default first. */
  names: readonly string[];
  byName: ReadonlyMap<string, ConsoleInstance>;
  defaultInstance: string;
}

/** The frame of a page outside any instance's navigation (sign-in, errors). */
export function plainFrame(rc: RouteContext, title: string): Frame {
  return {
    title,
    page: 'login',
    base: rc.base,
    instance: rc.defaultInstance,
    instances: rc.names,
    writable: rc.write,
  };
}

/** Answers 200 with `body` in the console's frame. */
export function sendPage(
  rc: RouteContext,
  res: http.ServerResponse,
  frame: Omit<Frame, 'base' | 'instances' | 'writable'>,
  body: Html,
): void {
  send(
    res,
    200,
    'text/html; charset=utf-8',
    layout({ ...frame, base: rc.base, instances: rc.names, writable: rc.write }, body),
  );
}
