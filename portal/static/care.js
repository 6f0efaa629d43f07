/* The portal's 关怀模式 toggle (care.js): kept on this device, for every portal page. */
import { setupCare } from "/static/js/care.js";

setupCare(document.getElementById("care-toggle"), { remember: true });
