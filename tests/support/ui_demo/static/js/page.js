// The ui_demo page's script: it runs on the shell's modules, under the import map's "relais/" prefix.
import { h } from "relais/dom.js";

document.getElementById("ui-demo-ready").replaceChildren(h("strong", {}, "Prêt"));
