/* A minimal AWS Lambda Runtime API client for the shim's test functions:
 * one kept-alive TCP connection (like aws-lambda-cpp's reused CURL handle),
 * GET next, POST response. Header-only, C. */
#ifndef MINI_RUNTIME_H
#define MINI_RUNTIME_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int rt_fd = -1;

static int rt_connect(void) {
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) return -1;
  char host[64];
  const char *colon = strchr(api, ':');
  if (!colon || colon - api >= (long)sizeof host) return -1;
  memcpy(host, api, colon - api);
  host[colon - api] = 0;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(atoi(colon + 1));
  inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &a.sin_addr);
  rt_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  return connect(rt_fd, (struct sockaddr *)&a, sizeof a);
}

/* Sends a request, reads the response; returns body length or -1. */
static int rt_request(const char *method, const char *path, const char *body, char *out, int cap,
                      char *reqid) {
  if (rt_fd < 0 && rt_connect() != 0) return -1;
  char req[1024];
  int blen = body ? (int)strlen(body) : 0;
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: runtime\r\nContent-Length: %d\r\n\r\n",
                   method, path, blen);
  if (write(rt_fd, req, n) != n || (blen && write(rt_fd, body, blen) != blen)) return -1;
  static char buf[65536];
  int have = 0;
  char *end = NULL;
  while (!end) {
    int r = (int)recv(rt_fd, buf + have, sizeof buf - 1 - have, 0);
    if (r <= 0) return -1;
    have += r;
    buf[have] = 0;
    end = strstr(buf, "\r\n\r\n");
  }
  int hlen = (int)(end + 4 - buf);
  int clen = 0;
  for (char *l = buf; l < end; l = strstr(l, "\r\n") + 2) {
    if (!strncasecmp(l, "Content-Length:", 15)) clen = atoi(l + 15);
    if (reqid && !strncasecmp(l, "Lambda-Runtime-Aws-Request-Id:", 30)) {
      const char *v = l + 30;
      while (*v == ' ') v++;
      int k = 0;
      while (v[k] && v[k] != '\r' && k < 127) { reqid[k] = v[k]; k++; }
      reqid[k] = 0;
    }
  }
  while (have - hlen < clen) {
    int r = (int)recv(rt_fd, buf + have, sizeof buf - 1 - have, 0);
    if (r <= 0) return -1;
    have += r;
  }
  int m = clen < cap - 1 ? clen : cap - 1;
  memcpy(out, buf + hlen, m);
  out[m] = 0;
  return m;
}

typedef const char *(*rt_handler)(const char *event);

/* The runtime loop: next -> handler -> response, until the API goes away. */
static int rt_run(rt_handler h) {
  char event[8192], id[128], path[256], dummy[256];
  for (;;) {
    if (rt_request("GET", "/2018-06-01/runtime/invocation/next", NULL, event, sizeof event, id) < 0)
      return 0;
    const char *resp = h(event);
    snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/response", id);
    if (rt_request("POST", path, resp, dummy, sizeof dummy, NULL) < 0) return 0;
  }
}
#endif
