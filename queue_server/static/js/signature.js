/*
 * A signature pad: the collector signs on the canvas with a finger, a pen or the mouse; the drawing
 * leaves as a PNG data URL (transparent background, dark strokes) that the 送达回证 embeds.
 */

const INK = "#111827";

/** Make a canvas a signature pad; onChange(signed) is called after each stroke and on clear. */
export function signaturePad(canvas, onChange) {
  const context = canvas.getContext("2d");
  let drawing = false;
  let signed = false;
  let last = null;

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  function stroke(to) {
    context.strokeStyle = INK;
    context.lineWidth = 3.2;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(to.x + (to.x === last.x && to.y === last.y ? 0.1 : 0), to.y);
    context.stroke();
    last = to;
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    stroke(last);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    event.preventDefault();
    stroke(point(event));
  });
  function end(event) {
    if (!drawing) return;
    drawing = false;
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    signed = true;
    if (onChange) onChange(true);
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  return {
    /** Tell whether anything was drawn since the last clear. */
    get signed() { return signed; },
    /** Wipe the pad. */
    clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      signed = false;
      if (onChange) onChange(false);
    },
    /** The drawing as a PNG data URL, or null when nothing was drawn. */
    dataUrl() { return signed ? canvas.toDataURL("image/png") : null; },
  };
}
