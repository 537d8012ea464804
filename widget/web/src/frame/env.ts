// Env is what the frame's parts share. app.ts makes it and alone changes
// its fields (a new token, the locale, open or closed); the parts read them.
import type { Appearance, FromFrame, Message } from "../types";
import type { Convs } from "./convs";
import type { Strings } from "./i18n";
import type { Rpc } from "./rpc";

export interface Env {
  t: Strings;
  look: Appearance;
  /** root is the hub's root path: the frame is served at <root>/widget/frame. */
  root: string;
  /** token is the visitor token, for uploads. */
  token: string;
  /** email is the visitor's known email, for the email step and the ticket form. */
  email: string;
  /** tickets: a downvote offers a support ticket. */
  tickets: boolean;
  /** open: the loader shows the chat. */
  open: boolean;
  rpc: Rpc;
  convs: Convs;
  toParent(m: FromFrame): void;
  /** told tells the loader about a new message of the team, the assistant or the system, once per message. */
  told(m: Message): void;
}
