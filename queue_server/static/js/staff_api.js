/*
 * The signed-in screens' JSON API client: bearer token, JSON in and out, and the contract's error
 * body thrown as {code, message, details, status} (a network failure as code "network").
 *
 *   const api = WubanStaffApi.client(token);
 *   const ticket = await api("POST", "/windows/3/call-next");   // null for 204
 */
(function (global) {
  "use strict";

  const BASE = "/api/v1";

  function client(token) {
    return async function api(method, path, body) {
      const init = { method: method, headers: { Accept: "application/json", Authorization: "Bearer " + token } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers["Content-Type"] = "application/json";
      }
      let response;
      try {
        response = await fetch(BASE + path, init);
      } catch (e) {
        throw { code: "network", message: "网络连接失败，请检查网络后重试" };
      }
      if (response.status === 204) return null;
      const text = await response.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (!response.ok) {
        const error = (data && data.error) || { code: "http_" + response.status, message: "操作失败（" + response.status + "）" };
        error.status = response.status;
        throw error;
      }
      return data;
    };
  }

  global.WubanStaffApi = { client: client };
})(window);
