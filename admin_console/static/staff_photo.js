/*
 * staff_photo.js — the photo of the user being edited on the 工作人员 tab: shown, uploaded (JPG or PNG; the
 * server keeps a JPEG within 480×600) or removed. The window's evaluator shows it while the user staffs it.
 */
import { $, filePicker, show } from "/static/js/dom.js";

/** Set up the photo box; ctx: {api, banner}; onChange(user) is called with the user answered. */
export function setupStaffPhoto(ctx, onChange) {
  let user = null;
  let shownUrl = null;
  const input = $("user-photo-file");
  const next = input.nextSibling;
  next.parentNode.insertBefore(filePicker(input, "选择照片"), next);  // zh-CN, not the browser's words
  const file = function () { return input; };

  async function render() {
    $("user-photo").hidden = !user;
    show($("user-photo-error"), "");
    if (shownUrl) { URL.revokeObjectURL(shownUrl); shownUrl = null; }
    const has = Boolean(user && user.photo_at);
    $("user-photo-img").hidden = !has;
    $("user-photo-img").removeAttribute("src");
    $("user-photo-none").hidden = has;
    $("user-photo-remove").disabled = !has;
    if (!has) return;
    // Staff-only: fetched with the console's credentials, shown from a blob.
    try {
      const response = await ctx.api.raw("GET", "/admin/users/" + encodeURIComponent(user.username) + "/photo",
        { accept: "image/jpeg" });
      shownUrl = URL.createObjectURL(await response.blob());
      $("user-photo-img").src = shownUrl;
    } catch (error) {
      show($("user-photo-error"), error.message || "照片无法显示");
    }
  }

  function changed(answer, text) {
    user = answer;
    ctx.banner.info(text + answer.name);
    render();
    onChange(answer);
  }

  $("user-photo-upload").addEventListener("click", async function () {
    const chosen = file().files[0];
    if (!chosen) { show($("user-photo-error"), "请选择 JPG 或 PNG 照片"); return; }
    const data = new FormData();
    data.append("file", chosen);
    try {
      const response = await ctx.api.raw("POST", "/admin/users/" + encodeURIComponent(user.username) + "/photo",
        { form: data });
      file().value = "";
      file().dispatchEvent(new Event("change"));
      changed(await response.json(), "已上传照片：");
    } catch (error) {
      show($("user-photo-error"), error.message || "上传失败");
    }
  });

  $("user-photo-remove").addEventListener("click", async function () {
    try {
      changed(await ctx.api("DELETE", "/admin/users/" + encodeURIComponent(user.username) + "/photo"), "已删除照片：");
    } catch (error) {
      show($("user-photo-error"), error.message || "删除失败");
    }
  });

  return {
    /** Show the photo of this user (null: a new user, not saved yet: no photo box). */
    edit: function (answer) { user = answer; render(); },
  };
}
