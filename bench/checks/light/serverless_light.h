// Declarations only (no library headers), for the growth guard
// (bench/checks/growth.py --guard): the generated shapes then parse in
// milliseconds, so instruction counts under callgrind are cheap and the
// checks' own work is most of what is counted. The names are the ones the
// API models list; this directory is passed with -isystem.
#pragma once
typedef unsigned long size_t;
extern "C" {
typedef struct _IO_FILE FILE;
FILE *fopen(const char *, const char *);
int fclose(FILE *);
int fgetc(FILE *);
int open(const char *, int, ...);
int close(int);
long read(int, void *, unsigned long);
typedef struct redisContext { int err; } redisContext;
redisContext *redisConnect(const char *, int);
void redisFree(redisContext *);
void *redisCommand(redisContext *, const char *, ...);
void freeReplyObject(void *);
}
#define O_RDONLY 0
#define NULL 0
namespace std {
struct string {
  const char *c_str() const;
  unsigned long size() const;
  char operator[](unsigned long) const;
};
string to_string(long);
}
namespace aws::lambda_runtime {
struct invocation_request { std::string payload; };
struct invocation_response {
  static invocation_response success(const std::string &, const char *);
  static invocation_response success(const char *, const char *);
  static invocation_response failure(const char *, const char *);
};
void run_handler(invocation_response (*)(invocation_request const &));
}
