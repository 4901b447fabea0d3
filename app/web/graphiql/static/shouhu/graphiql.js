// The GraphiQL page's login pane: it logs in with the API's own `login` mutation, keeps the
// tokens in this tab (sessionStorage, gone when the tab closes) and sends the access token
// with every request GraphiQL makes. No build step: plain script over the vendored UMD files.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("shouhu-graphiql-config").textContent);
  var texts = config.texts;
  var STORAGE_KEY = "shouhu.graphiql.login";
  var LOGIN =
    "mutation ShouhuGraphiQLLogin($username: String!, $password: String!) {\n" +
    "  login(input: {username: $username, password: $password}) {\n" +
    "    accessToken refreshToken user { username } errors { message } } }";
  var REFRESH =
    "mutation ShouhuGraphiQLRefresh($token: String!) {\n" +
    "  refreshToken(input: {refreshToken: $token}) {\n" +
    "    accessToken refreshToken user { username } errors { message } } }";
  var LOGOUT =
    "mutation ShouhuGraphiQLLogout($token: String!) {\n" +
    "  logout(input: {refreshToken: $token}) { ok } }";

  var form = document.getElementById("shouhu-login");
  var session = document.getElementById("shouhu-session");
  var user = document.getElementById("shouhu-user");
  var status = document.getElementById("shouhu-status");

  function stored() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    } catch (error) {
      return null;
    }
  }

  function show(login, message) {
    form.hidden = Boolean(login);
    session.hidden = !login;
    user.textContent = login ? texts.signed_in.replace("{username}", login.username) : "";
    status.textContent = message || (login ? "" : texts.signed_out);
  }

  function keep(login, message) {
    if (login) {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(login));
    } else {
      sessionStorage.removeItem(STORAGE_KEY);
    }
    show(login, message);
  }

  // Every answer of the endpoint is JSON, refusals (4xx) included.
  function post(body, headers) {
    return fetch(config.url, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json" }, headers),
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json();
    });
  }

  // The login a login or refresh payload makes, or its errors' messages (in the page's language:
  // the browser's Accept-Language goes with the request).
  function fromPayload(payload) {
    if (!payload || !payload.accessToken) {
      var errors = (payload && payload.errors) || [];
      return { failed: errors.map(function (e) { return e.message; }).join("; ") };
    }
    return {
      username: payload.user.username,
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
    };
  }

  function failure(answer) {
    return (answer.errors || []).map(function (e) { return e.message; }).join("; ");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var variables = { username: form.username.value, password: form.password.value };
    status.textContent = texts.signing_in;
    post({ query: LOGIN, variables: variables })
      .then(function (answer) {
        var login = answer.data ? fromPayload(answer.data.login) : { failed: failure(answer) };
        if (login.failed !== undefined) {
          show(null, login.failed);
          return;
        }
        form.password.value = "";
        keep(login);
      })
      .catch(function () {
        show(null, texts.unreachable);
      });
  });

  document.getElementById("shouhu-sign-out").addEventListener("click", function () {
    var login = stored();
    keep(null);
    if (login) {
      // Ends the login on the service too; the page is signed out whatever it answers.
      post({ query: LOGOUT, variables: { token: login.refreshToken } }).catch(function () {});
    }
  });

  // A refresh token exchanged for new tokens; null (signed out) when the service refuses it.
  function refresh(login) {
    return post({ query: REFRESH, variables: { token: login.refreshToken } }).then(
      function (answer) {
        var renewed = answer.data ? fromPayload(answer.data.refreshToken) : { failed: "" };
        if (renewed.failed !== undefined) {
          keep(null, texts.expired);
          return null;
        }
        keep(renewed);
        return renewed;
      }
    );
  }

  function expired(answer) {
    return (answer.errors || []).some(function (e) {
      return e.extensions && e.extensions.code === "TOKEN_EXPIRED";
    });
  }

  // GraphiQL's fetcher: the request with the login's token, unless the Headers tab sets
  // Authorization itself; an expired token is renewed once and the request sent again.
  function fetcher(params, options) {
    var headers = Object.assign({}, options && options.headers);
    var own = Object.keys(headers).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
    function send(login) {
      var sent = Object.assign({}, headers);
      if (login && !own) {
        sent.Authorization = "Bearer " + login.accessToken;
      }
      return post(params, sent);
    }
    var login = stored();
    return send(login).then(function (answer) {
      if (!login || own || !expired(answer)) {
        return answer;
      }
      return refresh(login).then(function (renewed) {
        return renewed ? send(renewed) : answer;
      });
    });
  }

  show(stored());
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: texts.example + "\n{\n  me { username role areaCode }\n}\n",
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      // Tokens stay in this tab only: GraphiQL would keep the Headers tab in localStorage.
      shouldPersistHeaders: false,
    })
  );
})();
