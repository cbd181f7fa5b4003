// A mail thread as a mail client shows it: each mail with its fields and status, and the mail tools
// instead of the conversation composer (page_assets hook, page "thread").

import { registerMessageRenderer, registerThreadView } from "relais/extensions.js";
import { renderMail } from "./mail_render.js";
import { createMailThread } from "./mail_thread.js";

registerThreadView("mssante_mail", createMailThread);
registerMessageRenderer("mail", renderMail);
