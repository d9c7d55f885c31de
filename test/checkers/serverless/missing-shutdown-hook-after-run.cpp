// RUN: %check_serverless -check-suffixes=PIPE,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DSELF_PIPE
// RUN: %check_serverless -check-suffixes=NOHOOK,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk
// RUN: %check_serverless -check-suffixes=SIGNALFD,COMMON %s serverless-missing-shutdown-hook %t -- -- -isystem %sdk -DSIGNAL_FD

// Released after run_handler returns: with aws-lambda-cpp that never runs at
// shutdown, with or without a SIGTERM handler — run_handler is blocked in the
// Runtime API's next until the process is killed (the model's
// returns_on_sigterm: false). A self-pipe handler does not change that; a
// thread that reads a signalfd and flushes does.
#include <aws/lambda-runtime/runtime.h>
#include <csignal>
#include <librdkafka/rdkafka.h>
#include <sys/signalfd.h>
#include <unistd.h>

using namespace aws::lambda_runtime;

// In every variant, so that each has output to check against.
#include <cstdio>
FILE *trace = fopen("/tmp/trace", "w");
// CHECK-MESSAGES-COMMON: :[[@LINE-1]]:15: warning: 'trace' (FILE from fopen) is created at init scope and never flushed on shutdown

static int wake[2];
static void on_term(int) {
  char c = 1;
  (void)write(wake[1], &c, 1);
}

invocation_response handler(invocation_request const &) {
  return invocation_response::success("", "");
}

void drain(rd_kafka_t *rk) {
  rd_kafka_flush(rk, 250);
  rd_kafka_destroy(rk);
}

#ifdef SIGNAL_FD
// A thread reading the signalfd flushes the producer.
static rd_kafka_t *shared;
void watch_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int fd = signalfd(-1, &set, 0);
  signalfd_siginfo info;
  (void)read(fd, &info, sizeof info);
  rd_kafka_flush(shared, 250);
}
#endif

int main(int argc, char **) {
  char err[256];
  rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  // CHECK-MESSAGES-NOHOOK: :[[@LINE-1]]:26: warning: local 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown: install a SIGTERM handler that calls rd_kafka_flush and rd_kafka_destroy [serverless-missing-shutdown-hook]
  // CHECK-MESSAGES-PIPE: :[[@LINE-2]]:26: warning: local 'producer' (kafka-producer from rd_kafka_new) is created at init scope and never flushed on shutdown
#ifdef SELF_PIPE
  (void)pipe(wake);
  signal(SIGTERM, on_term);
#endif
#ifdef SIGNAL_FD
  shared = producer;
  watch_signals();
  // CHECK-MESSAGES-SIGNALFD-NOT: warning:
#endif
  run_handler(handler);
  if (argc > 1) {
    drain(producer);
    return 1;
  }
  drain(producer);
  return 0;
}
