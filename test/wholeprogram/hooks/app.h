// SIGTERM hooks installed from another TU: the hook in signals.cpp reaches
// flush.cpp's flush_all(), which flushes the producer created in kafka.cpp;
// the journal created in journal.cpp is flushed only by a SIGINT handler.
#pragma once
#include <aws/lambda-runtime/runtime.h>
#include <cstdio>
#include <librdkafka/rdkafka.h>

extern rd_kafka_t *g_producer; // kafka.cpp
extern FILE *g_journal;        // journal.cpp
void open_producer();          // kafka.cpp
void open_journal();           // journal.cpp
void flush_all();              // flush.cpp
void install_hooks();          // signals.cpp
aws::lambda_runtime::invocation_response handler(aws::lambda_runtime::invocation_request const &req);
