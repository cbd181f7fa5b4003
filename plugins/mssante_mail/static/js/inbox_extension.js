// The inbox's mail space as a mail client (mailboxes, folders, search, mail rows): registered in the
// shell's extension registry before the inbox's own script runs (page_assets hook, page "inbox").

import { registerSpaceView } from "relais/extensions.js";
import { createMailSpace } from "./mail_space.js";

registerSpaceView("mail", createMailSpace);
