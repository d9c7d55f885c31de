// RUN: %check_serverless %s serverless-unclosed-resource %t -- -- -std=gnu17 -Wno-tautological-constant-out-of-range-compare

// The values a variable can hold on a path (librdkafka rdkafka_example.c,
// rdkafka_performance.c): `mode` is given only constants and what a
// `switch (opt)` case let through (`case 'P': case 'C': case 'L': mode =
// opt;`), so an else-if chain over those values leaves no path where none
// is taken. That holds only when every write of the variable is seen (a
// plain assignment or its declaration) and what reaches each store is known:
// a parameter, a value read from elsewhere, a case that falls through from
// another label, a variable whose address is taken, all keep the leak.
#include <stdio.h>
#include <unistd.h>

#define H __attribute__((annotate("serverless.handler")))

H int getopt_modes(int argc, char **argv, const char *path) {
  char mode = 'C';
  int opt;
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  while ((opt = getopt(argc, argv, "PCLv")) != -1) {
    switch (opt) {
    case 'P':
    case 'C':
    case 'L':
      mode = opt;
      break;
    case 'v':
      break;
    default:
      fclose(f);
      return 1;
    }
  }
  if (mode == 'P') {
    fclose(f);
  } else if (mode == 'C') {
    fclose(f);
  } else if (mode == 'L') {
    fclose(f);
  }
  return 0;
}

// A `switch` over the same values without a default: the no-match edge
// cannot be taken either.
H int switch_modes(int argc, char **argv, const char *path) {
  int mode = 'C';
  int opt;
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  while ((opt = getopt(argc, argv, "PC")) != -1)
    if (opt == 'P' || opt == 'C')
      mode = opt;
  switch (mode) {
  case 'P':
    fclose(f);
    break;
  case 'C':
    fclose(f);
    break;
  }
  return 0;
}

// `case 'G'` falls through into the store: `mode` can be 'G', which the
// chain does not test.
H int fallthrough_adds_a_value(int argc, char **argv, const char *path) {
  char mode = 'C';
  int opt;
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  while ((opt = getopt(argc, argv, "GPC")) != -1) {
    switch (opt) {
    case 'G':
      fputs("group mode\n", stderr);
      /* FALLTHRU */
    case 'P':
    case 'C':
      mode = opt;
      break;
    }
  }
  if (mode == 'P')
    fclose(f);
  else if (mode == 'C')
    fclose(f);
  return 0;
}

// The same with 'G' tested too (rdkafka_performance.c): every value is.
H int fallthrough_all_tested(int argc, char **argv, const char *path) {
  char mode = 'C';
  int opt;
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  while ((opt = getopt(argc, argv, "GPC")) != -1) {
    switch (opt) {
    case 'G':
      fputs("group mode\n", stderr);
      /* FALLTHRU */
    case 'P':
    case 'C':
      mode = opt;
      break;
    }
  }
  if (mode == 'P')
    fclose(f);
  else if (mode == 'C')
    fclose(f);
  else if (mode == 'G')
    fclose(f);
  return 0;
}

// The docs/precision.md reproducer: a parameter can hold any value.
H int handler2(char mode, const char *path) {
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  if (mode == 'r') {
    fclose(f);
  } else if (mode == 'w') {
    fclose(f);
  }
  return 0;
}

// A value read from the arguments, not a tested constant.
H int mode_from_input(char **argv, const char *path) {
  char mode = 'r';
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  if (argv[1])
    mode = argv[1][0];
  if (mode == 'r')
    fclose(f);
  else if (mode == 'w')
    fclose(f);
  return 0;
}

static void set_mode(char *m) { *m = 'x'; }

// Written through its address: the writes are not all seen.
H int address_taken(const char *path) {
  char mode = 'r';
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  set_mode(&mode);
  if (mode == 'r')
    fclose(f);
  else if (mode == 'w')
    fclose(f);
  return 0;
}

// Incremented: not a plain store.
H int incremented(const char *path) {
  int state = 0;
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  state++;
  if (state == 0)
    fclose(f);
  else if (state == 2)
    fclose(f);
  return 0;
}

// A constant stored on the acquiring path and tested once at cleanup.
H int set_with_acquisition(const char *path, int want) {
  int state = 0;
  FILE *f = NULL;
  if (want) {
    f = fopen(path, "r");
    state = 2;
  }
  if (state == 2)
    fclose(f);
  return 0;
}

// A stored value that does not fit the variable (truncated on the store):
// 258 is stored as 2, which neither test takes.
H int truncated_copy(int argc, char **argv, const char *path) {
  unsigned char mode = 1;
  int opt;
  FILE *f = fopen(path, "r");
  // CHECK-MESSAGES: :[[@LINE-1]]:13: warning: 'FILE' resource acquired by 'fopen' is not released on every path; release it with 'fclose' [serverless-unclosed-resource]
  if (!f)
    return 1;
  while ((opt = getopt(argc, argv, "x")) != -1)
    switch (opt) {
    case 258:
    case 1:
      mode = opt;
      break;
    }
  if (mode == 1)
    fclose(f);
  else if (mode == 258)
    fclose(f);
  return 0;
}
