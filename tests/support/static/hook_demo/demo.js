// The every-hook plugin's page script: proves it runs before the inbox's own script, on the shell's modules.
import { registerSpaceView } from "relais/extensions.js";

document.documentElement.dataset.hookDemo = typeof registerSpaceView;
