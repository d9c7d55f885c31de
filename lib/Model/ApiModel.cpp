//===--- ApiModel.cpp - Library knowledge loaded from JSON ----------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The schema is documented in docs/models.md; keep the two in sync. The parser
// is strict on purpose: an unknown key is almost always a typo ("relase"),
// and a typo in a model silently turns findings off.
//
//===----------------------------------------------------------------------===//

#include "Model/ApiModel.h"
#include "Model/EmbeddedModels.h"
#include "Model/JsonLocator.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace serverless::model {

static constexpr const char *SchemaName = "serverless-tidy-model/1";

std::string Origin::location() const {
  if (Line == 0)
    return File;
  return File + ":" + std::to_string(Line) + ":" + std::to_string(Column);
}

std::string HandleRef::str() const {
  switch (Kind) {
  case None:
    return "none";
  case Return:
    return "return";
  case This:
    return "this";
  case Arg:
    return "arg " + std::to_string(Index);
  case OutArg:
    return "out_arg " + std::to_string(Index);
  }
  return "none";
}

/// Parses one file into a fresh ApiModel, collecting every error with its
/// position, plus the keys of entries marked "disabled".
class ModelParser {
public:
  ModelParser(llvm::StringRef FileName, llvm::StringRef Text)
      : FileName(FileName), Text(Text) {}

  /// Parses; returns false when there were errors (see errors()).
  bool run(ApiModel &Out);
  const std::vector<std::string> &errors() const { return Errors; }
  /// Section name -> keys of entries to remove.
  std::map<std::string, std::vector<std::string>> Disabled;

private:
  // Position helpers.
  void errorAt(size_t Offset, const llvm::Twine &Message);
  void errorAtValue(const std::string &Ptr, const llvm::Twine &Message) {
    errorAt(Locator->valueOffset(Ptr), Message);
  }
  void errorAtKey(const std::string &Ptr, const llvm::Twine &Message) {
    errorAt(Locator->keyOffset(Ptr), Message);
  }
  Origin originOf(const json &Entry, const std::string &Ptr);

  // Typed field readers: report and return nullopt on a wrong type.
  bool checkObject(const json &J, const std::string &Ptr, llvm::StringRef What);
  void checkKeys(const json &J, const std::string &Ptr,
                 std::initializer_list<const char *> Allowed);
  std::optional<std::string> str(const json &J, const std::string &Ptr,
                                 const char *Key, bool Required);
  std::optional<unsigned> index(const json &J, const std::string &Ptr,
                                const char *Key, bool Required);
  std::optional<NamePattern> pattern(const json &J, const std::string &Ptr,
                                     const char *Key, bool Required);
  /// A (non-empty when required) array of name patterns under \p Key.
  bool patternList(const json &J, const std::string &Ptr, const char *Key,
                   bool Required, std::vector<NamePattern> &Out);
  std::optional<HandleRef> handle(const json &J, const std::string &Ptr,
                                  const char *Key, bool Required,
                                  bool AllowReturn = true);
  std::optional<std::string> shutdownAction(const json &J,
                                            const std::string &Ptr);
  std::optional<std::string> unit(const json &J, const std::string &Ptr,
                                  const char *Key, bool Required);
  bool isDisabled(const json &J, const std::string &Ptr);

  template <typename Fn>
  void eachEntry(const json &Root, const char *Section, Fn Parse);

  void parseClient(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseNotClient(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseFactory(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseResource(const json &J, const std::string &Ptr, ApiModel &Out);
  std::optional<CallSpec> parseCallSpec(const json &J, const std::string &Ptr,
                                        bool IsAcquire);
  /// An optional array of release-style call entries (`flush`, client
  /// `release`); false on error.
  bool optionalCalls(const json &J, const std::string &Ptr, const char *Key,
                     std::vector<CallSpec> &Out);
  void parseBlocking(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseNonBlocking(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseOwnership(const json &J, const std::string &Ptr, ApiModel &Out);
  void parseReadiness(const json &J, const std::string &Ptr, ApiModel &Out);
  std::optional<Registration> parseRegistration(const json &J, const std::string &Ptr);
  /// An argument condition or an array of them under \p Key; false on error.
  bool argConditions(const json &J, const std::string &Ptr, const char *Key,
                     std::vector<ArgCondition> &Out);
  std::optional<TimeoutSpec> parseTimeout(const json &J,
                                          const std::string &Ptr);

  llvm::StringRef FileName;
  llvm::StringRef Text;
  std::optional<JsonLocator> Locator;
  std::string FileProvenance;
  std::vector<std::string> Errors;
};

void ModelParser::errorAt(size_t Offset, const llvm::Twine &Message) {
  auto [Line, Column] = Locator->lineColumn(Offset);
  // One line per error: keys and values quoted in messages may hold any
  // character ("\n" in a key), shown escaped.
  std::string Shown;
  for (char C : Message.str()) {
    if (static_cast<unsigned char>(C) < 0x20 || C == 0x7f) {
      char Buf[8];
      snprintf(Buf, sizeof Buf, "\\x%02x", static_cast<unsigned char>(C));
      Shown += Buf;
    } else {
      Shown += C;
    }
  }
  Errors.push_back((FileName + ":" + llvm::Twine(Line) + ":" +
                    llvm::Twine(Column) + ": error: " + Shown)
                       .str());
}

Origin ModelParser::originOf(const json &Entry, const std::string &Ptr) {
  Origin O;
  O.File = FileName.str();
  auto [Line, Column] = Locator->lineColumn(Locator->valueOffset(Ptr));
  O.Line = Line;
  O.Column = Column;
  O.Provenance = FileProvenance;
  if (auto P = str(Entry, Ptr, "provenance", false))
    O.Provenance = *P;
  if (auto N = str(Entry, Ptr, "note", false))
    O.Note = *N;
  return O;
}

bool ModelParser::checkObject(const json &J, const std::string &Ptr,
                              llvm::StringRef What) {
  if (J.is_object())
    return true;
  errorAtValue(Ptr, What + " must be a JSON object");
  return false;
}

void ModelParser::checkKeys(const json &J, const std::string &Ptr,
                            std::initializer_list<const char *> Allowed) {
  for (auto It = J.begin(); It != J.end(); ++It) {
    const std::string &Key = It.key();
    if (Key == "provenance" || Key == "note" || Key == "disabled")
      continue;
    if (llvm::none_of(Allowed, [&](const char *A) { return Key == A; })) {
      std::string List;
      for (const char *A : Allowed)
        List += std::string(List.empty() ? "" : ", ") + "'" + A + "'";
      errorAtKey(Ptr + "/" + JsonLocator::escape(Key),
                 "unknown key '" + Key + "' (expected one of " + List +
                     ", 'provenance', 'note', 'disabled')");
    }
  }
}

std::optional<std::string> ModelParser::str(const json &J,
                                            const std::string &Ptr,
                                            const char *Key, bool Required) {
  auto It = J.find(Key);
  if (It == J.end()) {
    if (Required)
      errorAtValue(Ptr, llvm::Twine("missing required key '") + Key + "'");
    return std::nullopt;
  }
  if (!It->is_string()) {
    errorAtValue(Ptr + "/" + Key, llvm::Twine("'") + Key + "' must be a string");
    return std::nullopt;
  }
  return It->get<std::string>();
}

std::optional<unsigned> ModelParser::index(const json &J,
                                           const std::string &Ptr,
                                           const char *Key, bool Required) {
  auto It = J.find(Key);
  if (It == J.end()) {
    if (Required)
      errorAtValue(Ptr, llvm::Twine("missing required key '") + Key + "'");
    return std::nullopt;
  }
  if (!It->is_number_unsigned() || It->get<unsigned long long>() > 64) {
    errorAtValue(Ptr + "/" + Key, llvm::Twine("'") + Key +
                                      "' must be an argument index (0 to 64)");
    return std::nullopt;
  }
  return It->get<unsigned>();
}

std::optional<NamePattern> ModelParser::pattern(const json &J,
                                                const std::string &Ptr,
                                                const char *Key,
                                                bool Required) {
  auto S = str(J, Ptr, Key, Required);
  if (!S)
    return std::nullopt;
  auto P = NamePattern::create(*S);
  if (!P) {
    errorAtValue(Ptr + "/" + Key, llvm::toString(P.takeError()));
    return std::nullopt;
  }
  return *P;
}

bool ModelParser::patternList(const json &J, const std::string &Ptr,
                              const char *Key, bool Required,
                              std::vector<NamePattern> &Out) {
  auto It = J.find(Key);
  if (It == J.end()) {
    if (Required)
      errorAtValue(Ptr, llvm::Twine("'") + Key +
                            "' must be a non-empty array of names");
    return !Required;
  }
  if (!It->is_array() || (Required && It->empty())) {
    errorAtValue(Ptr + "/" + Key, llvm::Twine("'") + Key + "' must be " +
                                      (Required ? "a non-empty " : "an ") +
                                      "array of names");
    return false;
  }
  bool Ok = true;
  for (size_t I = 0; I < It->size(); ++I) {
    const std::string EPtr = Ptr + "/" + Key + "/" + std::to_string(I);
    if (!(*It)[I].is_string()) {
      errorAtValue(EPtr, llvm::Twine("an entry of '") + Key +
                             "' must be a name string");
      Ok = false;
      continue;
    }
    auto P = NamePattern::create((*It)[I].get<std::string>());
    if (!P) {
      errorAtValue(EPtr, llvm::toString(P.takeError()));
      Ok = false;
      continue;
    }
    Out.push_back(std::move(*P));
  }
  return Ok;
}

std::optional<HandleRef> ModelParser::handle(const json &J,
                                             const std::string &Ptr,
                                             const char *Key, bool Required,
                                             bool AllowReturn) {
  auto It = J.find(Key);
  if (It == J.end()) {
    if (Required)
      errorAtValue(Ptr, llvm::Twine("missing required key '") + Key + "'");
    return std::nullopt;
  }
  const std::string Sub = Ptr + "/" + Key;
  HandleRef H;
  if (It->is_number_unsigned() && It->get<unsigned long long>() <= 64) {
    H.Kind = HandleRef::Arg;
    H.Index = It->get<unsigned>();
    return H;
  }
  if (It->is_string()) {
    const std::string &S = It->get_ref<const std::string &>();
    if (S == "return" && AllowReturn) {
      H.Kind = HandleRef::Return;
      return H;
    }
    if (S == "this") {
      H.Kind = HandleRef::This;
      return H;
    }
  }
  if (It->is_object() && It->size() == 1 && It->contains("out_arg") &&
      (*It)["out_arg"].is_number_unsigned() &&
      (*It)["out_arg"].get<unsigned long long>() <= 64) {
    H.Kind = HandleRef::OutArg;
    H.Index = (*It)["out_arg"].get<unsigned>();
    return H;
  }
  errorAtValue(Sub, llvm::Twine("'") + Key + "' must be " +
                        (AllowReturn ? "\"return\", " : "") +
                        "an argument index, \"this\" or {\"out_arg\": N}");
  return std::nullopt;
}

std::optional<std::string> ModelParser::shutdownAction(const json &J,
                                                       const std::string &Ptr) {
  auto It = J.find("shutdown");
  if (It == J.end() || It->is_null())
    return std::string();
  if (It->is_string() && (*It == "close" || *It == "flush" || *It == "exit"))
    return It->get<std::string>();
  errorAtValue(Ptr + "/shutdown",
               "'shutdown' must be \"close\", \"flush\", \"exit\" or null");
  return std::nullopt;
}

static bool isUnit(llvm::StringRef U) {
  static const char *Units[] = {"ms", "s", "us", "timeval", "timespec",
                                "chrono"};
  return llvm::any_of(Units, [&](const char *X) { return U == X; });
}

std::optional<std::string> ModelParser::unit(const json &J,
                                             const std::string &Ptr,
                                             const char *Key, bool Required) {
  auto U = str(J, Ptr, Key, Required);
  if (!U)
    return std::nullopt;
  if (!isUnit(*U)) {
    errorAtValue(Ptr + "/" + Key,
                 "unknown unit '" + *U +
                     "' (expected ms, s, us, timeval, timespec or chrono)");
    return std::nullopt;
  }
  return U;
}

bool ModelParser::isDisabled(const json &J, const std::string &Ptr) {
  auto It = J.find("disabled");
  if (It == J.end())
    return false;
  if (!It->is_boolean()) {
    errorAtValue(Ptr + "/disabled", "'disabled' must be true or false");
    return false;
  }
  return It->get<bool>();
}

template <typename Fn>
void ModelParser::eachEntry(const json &Root, const char *Section, Fn Parse) {
  auto It = Root.find(Section);
  if (It == Root.end())
    return;
  const std::string Ptr = std::string("/") + Section;
  if (!It->is_array()) {
    errorAtValue(Ptr, llvm::Twine("'") + Section + "' must be an array");
    return;
  }
  for (size_t I = 0; I < It->size(); ++I) {
    const std::string EntryPtr = Ptr + "/" + std::to_string(I);
    const json &Entry = (*It)[I];
    if (!checkObject(Entry, EntryPtr, (llvm::Twine("an entry of '") + Section + "'").str()))
      continue;
    Parse(Entry, EntryPtr);
  }
}

// Sections whose entries are keyed by one name field; "disabled" entries need
// only that field.
#define DISABLE_BY(KEYFIELD, SECTION)                                          \
  if (isDisabled(J, Ptr)) {                                                    \
    if (auto K = str(J, Ptr, KEYFIELD, true))                                  \
      Disabled[SECTION].push_back(*K);                                         \
    return;                                                                    \
  }

void ModelParser::parseClient(const json &J, const std::string &Ptr,
                              ApiModel &Out) {
  checkKeys(J, Ptr, {"type", "kind", "shutdown", "flush", "release", "static_unsafe"});
  DISABLE_BY("type", "clients")
  auto Type = pattern(J, Ptr, "type", true);
  auto Kind = str(J, Ptr, "kind", true);
  auto Shutdown = shutdownAction(J, Ptr);
  ClientType C;
  if (auto U = str(J, Ptr, "static_unsafe", false))
    C.StaticUnsafe = *U;
  bool CallsOk = optionalCalls(J, Ptr, "flush", C.Flush);
  CallsOk &= optionalCalls(J, Ptr, "release", C.Release);
  if (!Type || !Kind || !Shutdown || !CallsOk)
    return;
  C.Type = *Type;
  C.Kind = *Kind;
  C.Shutdown = *Shutdown;
  C.From = originOf(J, Ptr);
  Out.Clients.push_back(std::move(C));
}

bool ModelParser::optionalCalls(const json &J, const std::string &Ptr,
                                const char *Key, std::vector<CallSpec> &Out) {
  auto It = J.find(Key);
  if (It == J.end())
    return true;
  const std::string SPtr = Ptr + "/" + Key;
  if (!It->is_array() || It->empty()) {
    errorAtValue(SPtr, llvm::Twine("'") + Key + "' must be a non-empty array");
    return false;
  }
  bool Ok = true;
  for (size_t I = 0; I < It->size(); ++I) {
    auto S = parseCallSpec((*It)[I], SPtr + "/" + std::to_string(I),
                           /*IsAcquire=*/false);
    if (S)
      Out.push_back(std::move(*S));
    else
      Ok = false;
  }
  return Ok;
}

void ModelParser::parseNotClient(const json &J, const std::string &Ptr,
                                 ApiModel &Out) {
  checkKeys(J, Ptr, {"type"});
  DISABLE_BY("type", "not_clients")
  if (auto Type = pattern(J, Ptr, "type", true))
    Out.NotClients.push_back({*Type, originOf(J, Ptr)});
}

void ModelParser::parseFactory(const json &J, const std::string &Ptr,
                               ApiModel &Out) {
  checkKeys(J, Ptr, {"function", "kind", "creates", "creates_template_arg"});
  DISABLE_BY("function", "factories")
  Factory F;
  auto Fn = pattern(J, Ptr, "function", true);
  if (J.contains("creates_template_arg")) {
    F.CreatesTemplateArg = index(J, Ptr, "creates_template_arg", true);
    if (!F.CreatesTemplateArg)
      return;
    if (J.contains("kind"))
      errorAtKey(Ptr + "/kind", "'kind' comes from the created type's "
                                "'clients' entry when 'creates_template_arg' "
                                "is given");
    if (auto C = str(J, Ptr, "creates", false))
      F.Creates = *C;
  } else {
    auto Kind = str(J, Ptr, "kind", true);
    auto Creates = str(J, Ptr, "creates", true);
    if (!Kind || !Creates)
      return;
    F.Kind = *Kind;
    F.Creates = *Creates;
  }
  if (!Fn)
    return;
  F.Function = *Fn;
  F.From = originOf(J, Ptr);
  Out.Factories.push_back(std::move(F));
}

std::optional<CallSpec> ModelParser::parseCallSpec(const json &J,
                                                   const std::string &Ptr,
                                                   bool IsAcquire) {
  if (!checkObject(J, Ptr, IsAcquire ? "an acquire entry" : "a release entry"))
    return std::nullopt;
  if (IsAcquire)
    checkKeys(J, Ptr, {"function", "handle", "kind_if_arg", "continues_arg"});
  else
    checkKeys(J, Ptr, {"function", "handle"});
  CallSpec S;
  if (IsAcquire && J.contains("continues_arg")) {
    auto C = index(J, Ptr, "continues_arg", true);
    if (!C)
      return std::nullopt;
    S.ContinuesArg = *C;
  }
  auto Fn = pattern(J, Ptr, "function", true);
  auto H = handle(J, Ptr, "handle", true, /*AllowReturn=*/IsAcquire);
  if (auto It = J.find("kind_if_arg"); IsAcquire && It != J.end()) {
    const std::string KPtr = Ptr + "/kind_if_arg";
    auto ParseOne = [&](const json &K, const std::string &P) {
      if (!checkObject(K, P, "'kind_if_arg'"))
        return;
      checkKeys(K, P, {"arg", "equals", "kind", "shutdown"});
      auto Arg = index(K, P, "arg", true);
      auto Eq = str(K, P, "equals", true);
      auto Kind = str(K, P, "kind", true);
      std::optional<std::string> Shutdown;
      if (K.contains("shutdown") && !(Shutdown = shutdownAction(K, P)))
        return;
      if (Arg && Eq && Kind)
        S.KindIf.push_back({*Arg, *Eq, *Kind, Shutdown});
    };
    if (It->is_array()) {
      for (size_t I = 0; I < It->size(); ++I)
        ParseOne((*It)[I], KPtr + "/" + std::to_string(I));
    } else {
      ParseOne(*It, KPtr);
    }
  }
  if (!Fn || !H)
    return std::nullopt;
  S.Function = *Fn;
  S.Handle = *H;
  S.From = originOf(J, Ptr);
  return S;
}

void ModelParser::parseResource(const json &J, const std::string &Ptr,
                                ApiModel &Out) {
  checkKeys(J, Ptr, {"kind", "description", "acquire", "release", "invalid",
                     "shutdown", "flush", "unbuffered_by"});
  DISABLE_BY("kind", "resources")
  Resource R;
  bool Ok = true;
  if (auto Kind = str(J, Ptr, "kind", true))
    R.Kind = *Kind;
  else
    Ok = false;
  if (auto D = str(J, Ptr, "description", false))
    R.Description = *D;
  for (const char *Side : {"acquire", "release"}) {
    const bool IsAcquire = llvm::StringRef(Side) == "acquire";
    auto It = J.find(Side);
    const std::string SPtr = Ptr + "/" + Side;
    if (It == J.end()) {
      errorAtValue(Ptr, llvm::Twine("missing required key '") + Side + "'");
      Ok = false;
      continue;
    }
    if (!It->is_array() || It->empty()) {
      errorAtValue(SPtr, llvm::Twine("'") + Side + "' must be a non-empty array");
      Ok = false;
      continue;
    }
    for (size_t I = 0; I < It->size(); ++I) {
      auto S = parseCallSpec((*It)[I], SPtr + "/" + std::to_string(I), IsAcquire);
      if (!S) {
        Ok = false;
        continue;
      }
      (IsAcquire ? R.Acquire : R.Release).push_back(std::move(*S));
    }
  }
  if (auto Inv = str(J, Ptr, "invalid", false)) {
    static const std::pair<const char *, Resource::InvalidForm> Forms[] = {
        {"none", Resource::InvalidNone},
        {"null", Resource::Null},
        {"negative", Resource::Negative},
        {"null-or-err-field", Resource::NullOrErrField},
        {"status-call", Resource::StatusCall}};
    auto F = llvm::find_if(Forms, [&](auto &P) { return *Inv == P.first; });
    if (F == std::end(Forms)) {
      errorAtValue(Ptr + "/invalid",
                   "'invalid' must be one of \"none\", \"null\", \"negative\", "
                   "\"null-or-err-field\", \"status-call\"");
      Ok = false;
    } else {
      R.Invalid = F->second;
    }
  }
  if (auto Sd = shutdownAction(J, Ptr))
    R.Shutdown = *Sd;
  else
    Ok = false;
  Ok &= optionalCalls(J, Ptr, "flush", R.Flush);
  if (auto It = J.find("unbuffered_by"); It != J.end()) {
    const std::string UPtr = Ptr + "/unbuffered_by";
    if (!It->is_array() || It->empty()) {
      errorAtValue(UPtr, "'unbuffered_by' must be a non-empty array");
      Ok = false;
    } else {
      for (size_t I = 0; I < It->size(); ++I) {
        const std::string EPtr = UPtr + "/" + std::to_string(I);
        const json &E = (*It)[I];
        if (!checkObject(E, EPtr, "an 'unbuffered_by' entry")) {
          Ok = false;
          continue;
        }
        checkKeys(E, EPtr, {"function", "handle", "if"});
        ConditionalCall C;
        auto Fn = pattern(E, EPtr, "function", true);
        auto H = handle(E, EPtr, "handle", true, /*AllowReturn=*/false);
        bool CondOk = argConditions(E, EPtr, "if", C.If);
        if (!Fn || !H || !CondOk) {
          Ok = false;
          continue;
        }
        C.Function = *Fn;
        C.Handle = *H;
        C.From = originOf(E, EPtr);
        R.UnbufferedBy.push_back(std::move(C));
      }
    }
  }
  if (!Ok)
    return;
  R.From = originOf(J, Ptr);
  Out.Resources.push_back(std::move(R));
}

std::optional<TimeoutSpec> ModelParser::parseTimeout(const json &J,
                                                     const std::string &Ptr) {
  if (!checkObject(J, Ptr, "'timeout'"))
    return std::nullopt;
  auto Via = str(J, Ptr, "via", true);
  if (!Via)
    return std::nullopt;
  TimeoutSpec T;
  bool Ok = true;
  auto Need = [&](auto Opt) {
    if (!Opt)
      Ok = false;
    return Opt;
  };
  auto UnitMap = [&](const char *Key, std::map<std::string, std::string> &Out) {
    auto It = J.find(Key);
    if (It == J.end() || !It->is_object() || It->empty()) {
      errorAtValue(It == J.end() ? Ptr : Ptr + "/" + Key,
                   llvm::Twine("'") + Key +
                       "' must be a non-empty object of name -> unit");
      Ok = false;
      return;
    }
    for (auto E = It->begin(); E != It->end(); ++E) {
      const std::string MPtr = Ptr + "/" + Key + "/" + JsonLocator::escape(E.key());
      if (!E.value().is_string() || !isUnit(E.value().get<std::string>())) {
        errorAtValue(MPtr, "unit must be one of ms, s, us, timeval, timespec, chrono");
        Ok = false;
        continue;
      }
      Out[E.key()] = E.value().get<std::string>();
    }
  };

  if (*Via == "argument") {
    T.Via = TimeoutSpec::Argument;
    checkKeys(J, Ptr, {"via", "arg", "unit", "infinite", "null_is_infinite"});
    if (auto A = Need(index(J, Ptr, "arg", true)))
      T.Arg = *A;
    if (auto U = Need(unit(J, Ptr, "unit", true)))
      T.Unit = *U;
    if (auto It = J.find("infinite"); It != J.end()) {
      if (!It->is_array() ||
          llvm::any_of(*It, [](const json &V) { return !V.is_number_integer(); })) {
        errorAtValue(Ptr + "/infinite", "'infinite' must be an array of integers");
        Ok = false;
      } else {
        for (const json &V : *It)
          T.Infinite.push_back(V.get<long long>());
      }
    }
    if (auto It = J.find("null_is_infinite"); It != J.end()) {
      if (!It->is_boolean()) {
        errorAtValue(Ptr + "/null_is_infinite", "'null_is_infinite' must be true or false");
        Ok = false;
      } else {
        T.NullIsInfinite = It->get<bool>();
      }
    }
  } else if (*Via == "setter") {
    T.Via = TimeoutSpec::Setter;
    checkKeys(J, Ptr, {"via", "setter", "setter_handle", "option_arg", "options",
                       "value_arg", "unit"});
    T.SetterFunction = Need(pattern(J, Ptr, "setter", true));
    if (auto H = Need(handle(J, Ptr, "setter_handle", true, false)))
      T.SetterHandle = *H;
    T.ValueArg = Need(index(J, Ptr, "value_arg", true));
    if (J.contains("option_arg")) {
      T.OptionArg = Need(index(J, Ptr, "option_arg", true));
      UnitMap("options", T.Options);
    } else if (J.contains("options")) {
      errorAtKey(Ptr + "/options", "'options' needs 'option_arg'");
      Ok = false;
    } else if (auto U = Need(unit(J, Ptr, "unit", true))) {
      T.Unit = *U;
    }
  } else if (*Via == "conninfo") {
    T.Via = TimeoutSpec::Conninfo;
    checkKeys(J, Ptr, {"via", "arg", "key", "unit"});
    if (auto A = Need(index(J, Ptr, "arg", true)))
      T.Arg = *A;
    if (auto K = Need(str(J, Ptr, "key", true)))
      T.Key = *K;
    if (auto U = Need(unit(J, Ptr, "unit", true)))
      T.Unit = *U;
  } else if (*Via == "connection-setting") {
    T.Via = TimeoutSpec::ConnectionSetting;
    checkKeys(J, Ptr, {"via", "setting"});
    if (auto S = Need(str(J, Ptr, "setting", true)))
      T.Setting = *S;
  } else if (*Via == "method") {
    T.Via = TimeoutSpec::Method;
    checkKeys(J, Ptr, {"via", "object_arg", "methods"});
    if (auto H = Need(handle(J, Ptr, "object_arg", true, false)))
      T.Object = *H;
    if (!patternList(J, Ptr, "methods", /*Required=*/true, T.Methods))
      Ok = false;
  } else if (*Via == "field") {
    T.Via = TimeoutSpec::Field;
    checkKeys(J, Ptr, {"via", "type", "fields", "defaults"});
    T.FieldType = Need(pattern(J, Ptr, "type", true));
    UnitMap("fields", T.Fields);
    if (auto It = J.find("defaults"); It != J.end()) {
      if (!It->is_object()) {
        errorAtValue(Ptr + "/defaults", "'defaults' must be an object of field -> number");
        Ok = false;
      } else {
        for (auto E = It->begin(); E != It->end(); ++E) {
          if (!E.value().is_number_integer()) {
            errorAtValue(Ptr + "/defaults/" + JsonLocator::escape(E.key()),
                         "a default must be an integer");
            Ok = false;
            continue;
          }
          T.Defaults[E.key()] = E.value().get<long long>();
        }
      }
    }
  } else if (*Via == "none") {
    T.Via = TimeoutSpec::NoTimeout;
    checkKeys(J, Ptr, {"via", "alternative"});
    if (auto A = str(J, Ptr, "alternative", false))
      T.Alternative = *A;
  } else {
    errorAtValue(Ptr + "/via",
                 "unknown 'via' \"" + *Via +
                     "\" (expected argument, setter, conninfo, "
                     "connection-setting, method, field or none)");
    return std::nullopt;
  }
  if (!Ok)
    return std::nullopt;
  return T;
}

void ModelParser::parseBlocking(const json &J, const std::string &Ptr,
                                ApiModel &Out) {
  checkKeys(J, Ptr, {"function", "except", "handle", "timeout", "nonblocking_if"});
  DISABLE_BY("function", "blocking")
  Blocking B;
  auto Fn = pattern(J, Ptr, "function", true);
  bool ExceptOk = patternList(J, Ptr, "except", /*Required=*/false, B.Except);
  if (J.contains("nonblocking_if") &&
      !argConditions(J, Ptr, "nonblocking_if", B.NonBlockingIf))
    ExceptOk = false;
  std::optional<HandleRef> H;
  if (J.contains("handle"))
    H = handle(J, Ptr, "handle", true);
  else
    H = HandleRef();
  std::optional<TimeoutSpec> T;
  if (auto It = J.find("timeout"); It != J.end())
    T = parseTimeout(*It, Ptr + "/timeout");
  else
    errorAtValue(Ptr, "missing required key 'timeout'");
  if (!Fn || !H || !T || !ExceptOk)
    return;
  B.Function = *Fn;
  B.Handle = *H;
  B.Timeout = std::move(*T);
  B.From = originOf(J, Ptr);
  Out.BlockingCalls.push_back(std::move(B));
}

bool ModelParser::argConditions(const json &J, const std::string &Ptr,
                                const char *Key, std::vector<ArgCondition> &Out) {
  auto It = J.find(Key);
  if (It == J.end())
    return true;
  bool Ok = true;
  auto One = [&](const json &C, const std::string &P) {
    if (!checkObject(C, P, std::string("a '") + Key + "' condition")) {
      Ok = false;
      return;
    }
    checkKeys(C, P, {"arg", "flag", "equals"});
    ArgCondition AC;
    auto Arg = index(C, P, "arg", true);
    auto Flag = str(C, P, "flag", false);
    auto Eq = str(C, P, "equals", false);
    if (!Arg || (Flag.has_value() == Eq.has_value())) {
      if (Arg)
        errorAtValue(P, "a condition has exactly one of 'flag' or 'equals'");
      Ok = false;
      return;
    }
    AC.Arg = *Arg;
    AC.Flag = Flag.value_or("");
    AC.Equals = Eq.value_or("");
    Out.push_back(std::move(AC));
  };
  const std::string KPtr = Ptr + "/" + Key;
  if (It->is_array()) {
    if (It->empty()) {
      errorAtValue(KPtr, llvm::Twine("'") + Key + "' must not be empty");
      return false;
    }
    for (size_t I = 0; I < It->size(); ++I)
      One((*It)[I], KPtr + "/" + std::to_string(I));
  } else {
    One(*It, KPtr);
  }
  return Ok;
}

static std::string nonBlockingKey(const NonBlocking &N) {
  std::string K = N.Function.text();
  for (const ArgCondition &C : N.If)
    K += "\x1f" + C.str();
  return K;
}

static std::string ownershipKey(const OwnershipTransfer &O) {
  std::string K = O.Function.text();
  for (const ArgCondition &C : O.If)
    K += "\x1f" + C.str();
  return K;
}

void ModelParser::parseOwnership(const json &J, const std::string &Ptr,
                                 ApiModel &Out) {
  checkKeys(J, Ptr, {"function", "arg", "if"});
  OwnershipTransfer O;
  auto Fn = pattern(J, Ptr, "function", true);
  auto Arg = index(J, Ptr, "arg", true);
  bool Ok = argConditions(J, Ptr, "if", O.If);
  if (!Fn || !Arg || !Ok)
    return;
  O.Function = *Fn;
  O.Arg = *Arg;
  if (isDisabled(J, Ptr)) {
    Disabled["ownership_transfer"].push_back(ownershipKey(O));
    return;
  }
  O.From = originOf(J, Ptr);
  Out.Ownership.push_back(std::move(O));
}

void ModelParser::parseNonBlocking(const json &J, const std::string &Ptr,
                                   ApiModel &Out) {
  checkKeys(J, Ptr, {"function", "handle", "if", "calls"});
  NonBlocking N;
  auto Fn = pattern(J, Ptr, "function", true);
  auto H = handle(J, Ptr, "handle", true);
  bool Ok = argConditions(J, Ptr, "if", N.If) &&
            patternList(J, Ptr, "calls", /*Required=*/false, N.Calls);
  if (!Fn || !H || !Ok)
    return;
  N.Function = *Fn;
  N.Handle = *H;
  if (isDisabled(J, Ptr)) {
    Disabled["nonblocking"].push_back(nonBlockingKey(N));
    return;
  }
  N.From = originOf(J, Ptr);
  Out.NonBlockings.push_back(std::move(N));
}

std::string Registration::key() const {
  std::string K;
  switch (Kind) {
  case Field:
    return "field " + Type->text() + "." + FieldName;
  case Macro:
    return "macro " + MacroName + " fd " + std::to_string(FdArg) + " set " +
           std::to_string(SetArg);
  case Call:
    K = "call " + Function->text() + " fd " + std::to_string(FdArg) + " set " +
        std::to_string(SetArg);
    for (const ArgCondition &C : If)
      K += ", " + C.str();
    return K;
  }
  return K;
}

static std::string readinessKey(const Readiness &R) {
  return R.Function.text() + "\x1f" + std::to_string(R.SetArg);
}

static bool isIdentifier(llvm::StringRef S) {
  if (S.empty() || !(llvm::isAlpha(S[0]) || S[0] == '_'))
    return false;
  return llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

std::optional<Registration> ModelParser::parseRegistration(const json &J,
                                                           const std::string &Ptr) {
  if (!checkObject(J, Ptr, "an entry of 'registered_by'"))
    return std::nullopt;
  unsigned Forms = J.contains("field") + J.contains("macro") + J.contains("function");
  if (Forms != 1) {
    errorAtValue(Ptr, "a registration names exactly one of 'field' (with 'type'), "
                      "'macro' or 'function'");
    return std::nullopt;
  }
  Registration R;
  if (J.contains("field")) {
    checkKeys(J, Ptr, {"field", "type"});
    auto Field = str(J, Ptr, "field", true);
    auto Type = pattern(J, Ptr, "type", true);
    if (Field && !isIdentifier(*Field)) {
      errorAtValue(Ptr + "/field", "'field' must be a field name");
      return std::nullopt;
    }
    if (!Field || !Type)
      return std::nullopt;
    R.Kind = Registration::Field;
    R.FieldName = *Field;
    R.Type = *Type;
    return R;
  }
  bool IsMacro = J.contains("macro");
  if (IsMacro)
    checkKeys(J, Ptr, {"macro", "fd_arg", "set_arg"});
  else
    checkKeys(J, Ptr, {"function", "fd_arg", "set_arg", "if"});
  std::optional<std::string> Macro;
  std::optional<NamePattern> Fn;
  if (IsMacro) {
    Macro = str(J, Ptr, "macro", true);
    if (Macro && !isIdentifier(*Macro)) {
      errorAtValue(Ptr + "/macro", "'macro' must be a macro name");
      Macro.reset();
    }
  } else {
    Fn = pattern(J, Ptr, "function", true);
  }
  auto Fd = index(J, Ptr, "fd_arg", true);
  auto Set = index(J, Ptr, "set_arg", true);
  bool CondOk = IsMacro || argConditions(J, Ptr, "if", R.If);
  if ((IsMacro ? !Macro : !Fn) || !Fd || !Set || !CondOk)
    return std::nullopt;
  if (*Fd == *Set) {
    errorAtValue(Ptr + "/set_arg", "'set_arg' and 'fd_arg' must differ");
    return std::nullopt;
  }
  R.Kind = IsMacro ? Registration::Macro : Registration::Call;
  if (IsMacro)
    R.MacroName = *Macro;
  else
    R.Function = *Fn;
  R.FdArg = *Fd;
  R.SetArg = *Set;
  return R;
}

void ModelParser::parseReadiness(const json &J, const std::string &Ptr,
                                 ApiModel &Out) {
  checkKeys(J, Ptr, {"function", "set_arg", "calls", "registered_by"});
  Readiness R;
  auto Fn = pattern(J, Ptr, "function", true);
  auto Set = index(J, Ptr, "set_arg", true);
  if (!Fn || !Set)
    return;
  R.Function = *Fn;
  R.SetArg = *Set;
  if (isDisabled(J, Ptr)) {
    Disabled["readiness"].push_back(readinessKey(R));
    return;
  }
  bool Ok = patternList(J, Ptr, "calls", /*Required=*/true, R.Calls);
  auto It = J.find("registered_by");
  if (It == J.end() || !It->is_array() || It->empty()) {
    errorAtValue(It == J.end() ? Ptr : Ptr + "/registered_by",
                 "'registered_by' must be a non-empty array of registrations");
    return;
  }
  for (size_t I = 0; I < It->size(); ++I) {
    auto Reg = parseRegistration((*It)[I], Ptr + "/registered_by/" + std::to_string(I));
    if (Reg)
      R.RegisteredBy.push_back(std::move(*Reg));
    else
      Ok = false;
  }
  if (!Ok)
    return;
  R.From = originOf(J, Ptr);
  Out.Readinesses.push_back(std::move(R));
}

bool ModelParser::run(ApiModel &Out) {
  json Root;
  try {
    Root = json::parse(Text.begin(), Text.end());
  } catch (const json::parse_error &E) {
    // nlohmann reports the byte it stopped at; turn it into line:col and
    // keep only the human part of its message.
    std::string Msg = E.what();
    size_t Colon = Msg.find(": ", Msg.find("column"));
    if (Colon != std::string::npos)
      Msg = Msg.substr(Colon + 2);
    size_t Offset = E.byte > 0 ? E.byte - 1 : 0;
    unsigned Line = 1, Column = 1;
    for (size_t I = 0; I < Offset && I < Text.size(); ++I) {
      if (Text[I] == '\n') {
        ++Line;
        Column = 1;
      } else {
        ++Column;
      }
    }
    Errors.push_back((FileName + ":" + llvm::Twine(Line) + ":" +
                      llvm::Twine(Column) + ": error: invalid JSON: " + Msg)
                         .str());
    return false;
  } catch (const std::exception &E) {
    Errors.push_back((FileName + ":1:1: error: " + E.what()).str());
    return false;
  }
  Locator.emplace(Text);
  // The parser keeps one of two values with the same key: a duplicated key
  // would silently drop an entry or a setting.
  for (const JsonLocator::Duplicate &D : Locator->duplicates()) {
    auto [Line, Column] = Locator->lineColumn(D.FirstOffset);
    errorAt(D.Offset, "duplicate key '" + D.Key + "' (first at line " +
                          llvm::Twine(Line) + ", column " + llvm::Twine(Column) + ")");
  }

  if (!checkObject(Root, "", "a model file"))
    return false;
  checkKeys(Root, "",
            {"schema", "library", "description", "clients", "not_clients",
             "factories", "resources", "blocking", "throwing",
             "ownership_transfer", "handler_registrars", "deadline_sources",
             "signal_installers", "exit_hooks", "async_signal_safe",
             "once_calls", "nonblocking", "readiness", "views"});
  if (auto S = str(Root, "", "schema", true); S && *S != SchemaName)
    errorAtValue("/schema", "unsupported schema \"" + *S + "\" (expected \"" +
                                SchemaName + "\")");
  str(Root, "", "library", true);
  if (auto P = str(Root, "", "provenance", false))
    FileProvenance = *P;

  eachEntry(Root, "clients", [&](const json &J, const std::string &Ptr) {
    parseClient(J, Ptr, Out);
  });
  eachEntry(Root, "not_clients", [&](const json &J, const std::string &Ptr) {
    parseNotClient(J, Ptr, Out);
  });
  eachEntry(Root, "factories", [&](const json &J, const std::string &Ptr) {
    parseFactory(J, Ptr, Out);
  });
  eachEntry(Root, "resources", [&](const json &J, const std::string &Ptr) {
    parseResource(J, Ptr, Out);
  });
  eachEntry(Root, "blocking", [&](const json &J, const std::string &Ptr) {
    parseBlocking(J, Ptr, Out);
  });
  eachEntry(Root, "nonblocking", [&](const json &J, const std::string &Ptr) {
    parseNonBlocking(J, Ptr, Out);
  });
  eachEntry(Root, "readiness", [&](const json &J, const std::string &Ptr) {
    parseReadiness(J, Ptr, Out);
  });
  auto FunctionList = [&](const char *Section, std::vector<FunctionEntry> &Dst) {
    eachEntry(Root, Section, [&](const json &J, const std::string &Ptr) {
      checkKeys(J, Ptr, {"function"});
      DISABLE_BY("function", Section)
      if (auto Fn = pattern(J, Ptr, "function", true))
        Dst.push_back({*Fn, originOf(J, Ptr)});
    });
  };
  FunctionList("throwing", Out.Throwing);
  FunctionList("async_signal_safe", Out.AsyncSignalSafe);
  // Sections whose entries are a function plus one argument index.
  auto FunctionAndIndex = [&](const char *Section, const char *IndexKey,
                              bool IndexRequired, auto &Dst) {
    eachEntry(Root, Section, [&](const json &J, const std::string &Ptr) {
      checkKeys(J, Ptr, {"function", IndexKey});
      DISABLE_BY("function", Section)
      auto Fn = pattern(J, Ptr, "function", true);
      auto Arg = IndexRequired || J.contains(IndexKey)
                     ? index(J, Ptr, IndexKey, true)
                     : std::optional<unsigned>(0);
      if (Fn && Arg)
        Dst.push_back({*Fn, *Arg, originOf(J, Ptr)});
    });
  };
  eachEntry(Root, "ownership_transfer", [&](const json &J, const std::string &Ptr) {
    parseOwnership(J, Ptr, Out);
  });
  eachEntry(Root, "views", [&](const json &J, const std::string &Ptr) {
    checkKeys(J, Ptr, {"function", "of"});
    DISABLE_BY("function", "views")
    auto Fn = pattern(J, Ptr, "function", true);
    auto Of = handle(J, Ptr, "of", true);
    if (Fn && Of && Of->Kind == HandleRef::OutArg) {
      errorAtValue(Ptr + "/of", "'of' must be an argument index or \"this\"");
      return;
    }
    if (Fn && Of)
      Out.Views.push_back({*Fn, *Of, originOf(J, Ptr)});
  });
  eachEntry(Root, "handler_registrars", [&](const json &J, const std::string &Ptr) {
    checkKeys(J, Ptr, {"function", "handler_arg", "returns_on_sigterm"});
    DISABLE_BY("function", "handler_registrars")
    auto Fn = pattern(J, Ptr, "function", true);
    auto Arg = index(J, Ptr, "handler_arg", true);
    HandlerRegistrar R;
    if (auto It = J.find("returns_on_sigterm"); It != J.end()) {
      if (!It->is_boolean()) {
        errorAtValue(Ptr + "/returns_on_sigterm", "'returns_on_sigterm' must be true or false");
        return;
      }
      R.ReturnsOnSigterm = It->get<bool>();
    }
    if (!Fn || !Arg)
      return;
    R.Function = *Fn;
    R.HandlerArg = *Arg;
    R.From = originOf(J, Ptr);
    Out.Registrars.push_back(std::move(R));
  });
  // exit_hooks: handler_arg defaults to 0.
  FunctionAndIndex("exit_hooks", "handler_arg", false, Out.ExitHooks);
  FunctionAndIndex("once_calls", "callable_arg", true, Out.OnceCalls);
  eachEntry(Root, "deadline_sources", [&](const json &J, const std::string &Ptr) {
    checkKeys(J, Ptr, {"function", "field"});
    const bool HasFn = J.contains("function"), HasField = J.contains("field");
    if (HasFn == HasField) {
      errorAtValue(Ptr, "a deadline source names exactly one of 'function' or 'field'");
      return;
    }
    if (isDisabled(J, Ptr)) {
      if (auto K = str(J, Ptr, HasFn ? "function" : "field", true))
        Disabled["deadline_sources"].push_back(*K);
      return;
    }
    DeadlineSource D;
    if (HasFn && !(D.Function = pattern(J, Ptr, "function", true)))
      return;
    if (HasField && !(D.Field = pattern(J, Ptr, "field", true)))
      return;
    D.From = originOf(J, Ptr);
    Out.DeadlineSources.push_back(std::move(D));
  });
  eachEntry(Root, "signal_installers", [&](const json &J, const std::string &Ptr) {
    checkKeys(J, Ptr, {"function", "signal_arg", "handler_arg", "handler_field"});
    DISABLE_BY("function", "signal_installers")
    SignalInstaller S;
    auto Fn = pattern(J, Ptr, "function", true);
    auto Sig = index(J, Ptr, "signal_arg", true);
    std::optional<unsigned> Handler;
    if (J.contains("handler_arg") && !(Handler = index(J, Ptr, "handler_arg", true)))
      return;
    if (auto It = J.find("handler_field"); It != J.end()) {
      if (It->is_string())
        S.HandlerFields.push_back(It->get<std::string>());
      else if (It->is_array() &&
               llvm::all_of(*It, [](const json &V) { return V.is_string(); }))
        for (const json &V : *It)
          S.HandlerFields.push_back(V.get<std::string>());
      else {
        errorAtValue(Ptr + "/handler_field",
                     "'handler_field' must be a field name or an array of them");
        return;
      }
    }
    if (!Fn || !Sig)
      return;
    S.Function = *Fn;
    S.SignalArg = *Sig;
    S.HandlerArg = Handler;
    S.From = originOf(J, Ptr);
    Out.SignalInstallers.push_back(std::move(S));
  });
  return Errors.empty();
}
#undef DISABLE_BY

//===----------------------------------------------------------------------===//
// Merging
//===----------------------------------------------------------------------===//

// Linear in both sections: an entry of \p From replaces every entry of
// \p Into with its key (and an earlier entry of \p From with the same key),
// a disabled key removes them; survivors keep their order, \p From's after
// \p Into's, each at the place of its last definition.
template <typename T, typename KeyFn>
static void mergeSection(std::vector<T> &Into, std::vector<T> &From,
                         const std::vector<std::string> &DisabledKeys,
                         KeyFn Key) {
  if (From.empty() && DisabledKeys.empty())
    return;
  llvm::StringMap<size_t> LastInFrom; // Key -> index of its last entry.
  for (size_t I = 0; I < From.size(); ++I)
    LastInFrom[Key(From[I])] = I;
  llvm::StringSet<> Disabled;
  for (const std::string &K : DisabledKeys)
    Disabled.insert(K);
  llvm::erase_if(Into, [&](const T &E) {
    const std::string K = Key(E);
    return Disabled.contains(K) || LastInFrom.count(K);
  });
  Into.reserve(Into.size() + LastInFrom.size());
  for (size_t I = 0; I < From.size(); ++I)
    if (LastInFrom.lookup(Key(From[I])) == I)
      Into.push_back(std::move(From[I]));
}

llvm::Error ApiModel::addBuffer(llvm::StringRef FileName, llvm::StringRef Text) {
  ApiModel Parsed;
  ModelParser Parser(FileName, Text);
  if (!Parser.run(Parsed)) {
    std::string All;
    for (const std::string &E : Parser.errors())
      All += (All.empty() ? "" : "\n") + E;
    return llvm::createStringError(llvm::inconvertibleErrorCode(), All);
  }
  auto &D = Parser.Disabled;
  auto ByType = [](const auto &E) { return E.Type.text(); };
  auto ByFunction = [](const auto &E) { return E.Function.text(); };
  mergeSection(Clients, Parsed.Clients, D["clients"], ByType);
  mergeSection(NotClients, Parsed.NotClients, D["not_clients"], ByType);
  mergeSection(Factories, Parsed.Factories, D["factories"], ByFunction);
  mergeSection(Resources, Parsed.Resources, D["resources"],
               [](const Resource &R) { return R.Kind; });
  mergeSection(BlockingCalls, Parsed.BlockingCalls, D["blocking"], ByFunction);
  mergeSection(Throwing, Parsed.Throwing, D["throwing"], ByFunction);
  mergeSection(Ownership, Parsed.Ownership, D["ownership_transfer"], ownershipKey);
  mergeSection(Views, Parsed.Views, D["views"], ByFunction);
  mergeSection(Registrars, Parsed.Registrars, D["handler_registrars"], ByFunction);
  mergeSection(DeadlineSources, Parsed.DeadlineSources, D["deadline_sources"],
               [](const DeadlineSource &S) {
                 return S.Function ? S.Function->text() : S.Field->text();
               });
  mergeSection(SignalInstallers, Parsed.SignalInstallers, D["signal_installers"],
               ByFunction);
  mergeSection(ExitHooks, Parsed.ExitHooks, D["exit_hooks"], ByFunction);
  mergeSection(AsyncSignalSafe, Parsed.AsyncSignalSafe, D["async_signal_safe"],
               ByFunction);
  mergeSection(OnceCalls, Parsed.OnceCalls, D["once_calls"], ByFunction);
  // Several entries per function (one per condition): keyed by both.
  mergeSection(NonBlockings, Parsed.NonBlockings, D["nonblocking"], nonBlockingKey);
  // One entry per watched argument (select's read and write sets).
  mergeSection(Readinesses, Parsed.Readinesses, D["readiness"], readinessKey);
  Files.push_back(FileName.str());
  return llvm::Error::success();
}

llvm::Error ApiModel::addFile(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   Path + ": error: cannot read model file: " +
                                       Buffer.getError().message());
  return addBuffer(Path, (*Buffer)->getBuffer());
}

ApiModel ApiModel::withDefaults() {
  ApiModel M;
  for (const EmbeddedModel &E : embeddedModels()) {
    if (llvm::Error Err = M.addBuffer(E.Name, E.Text)) {
      // The defaults are tested at build time (test/unit); reaching this
      // means a broken build, and losing every finding silently would be
      // worse than saying so.
      llvm::errs() << "serverless-tidy: internal error in embedded model: "
                   << llvm::toString(std::move(Err)) << "\n";
    }
  }
  return M;
}

//===----------------------------------------------------------------------===//
// Queries: later entries (user files) win, so scan from the back.
//===----------------------------------------------------------------------===//

template <typename T, typename Fn>
static const T *findLast(const std::vector<T> &V, Fn Matches) {
  for (auto It = V.rbegin(); It != V.rend(); ++It)
    if (Matches(*It))
      return &*It;
  return nullptr;
}

bool ApiModel::isNotClient(llvm::StringRef TypeName) const {
  return findLast(NotClients, [&](const NotClient &N) {
           return N.Type.matches(TypeName);
         }) != nullptr;
}

const ClientType *ApiModel::clientType(llvm::StringRef TypeName) const {
  if (isNotClient(TypeName))
    return nullptr;
  return findLast(Clients,
                  [&](const ClientType &C) { return C.Type.matches(TypeName); });
}

const Factory *ApiModel::factory(llvm::StringRef FunctionName) const {
  return findLast(Factories, [&](const Factory &F) {
    return F.Function.matches(FunctionName);
  });
}

static std::pair<const Resource *, const CallSpec *>
findCall(const std::vector<Resource> &Resources, llvm::StringRef FunctionName,
         bool Acquire) {
  for (auto R = Resources.rbegin(); R != Resources.rend(); ++R)
    for (const CallSpec &S : Acquire ? R->Acquire : R->Release)
      if (S.Function.matches(FunctionName))
        return {&*R, &S};
  return {nullptr, nullptr};
}

std::pair<const Resource *, const CallSpec *>
ApiModel::acquisition(llvm::StringRef FunctionName) const {
  return findCall(Resources, FunctionName, true);
}

std::pair<const Resource *, const CallSpec *>
ApiModel::release(llvm::StringRef FunctionName) const {
  return findCall(Resources, FunctionName, false);
}

bool ApiModel::addProgramFunction(llvm::StringRef Kind, llvm::StringRef Function, bool Acquire,
                                  unsigned Arg) {
  Resource *R = nullptr;
  for (Resource &Each : Resources)
    if (Each.Kind == Kind)
      R = &Each;
  auto P = NamePattern::create(Function);
  if (!R || !P) {
    if (!P)
      llvm::consumeError(P.takeError());
    return false;
  }
  CallSpec C;
  C.Function = std::move(*P);
  C.Handle.Kind = Acquire ? HandleRef::Return : HandleRef::Arg;
  C.Handle.Index = Acquire ? 0 : Arg;
  C.From.File = "<program>";
  C.From.Provenance = "whole-program summary of the analysed code";
  (Acquire ? R->Acquire : R->Release).push_back(std::move(C));
  return true;
}

const Resource *ApiModel::resourceByKind(llvm::StringRef Kind) const {
  return findLast(Resources, [&](const Resource &R) { return R.Kind == Kind; });
}

std::string ArgCondition::str() const {
  return "arg " + std::to_string(Arg) + (Flag.empty() ? " is " + Equals : " has " + Flag);
}

std::vector<const NonBlocking *>
ApiModel::nonBlocking(llvm::StringRef FunctionName) const {
  std::vector<const NonBlocking *> R;
  for (const NonBlocking &N : NonBlockings)
    if (N.Function.matches(FunctionName))
      R.push_back(&N);
  return R;
}

std::vector<const Readiness *>
ApiModel::readiness(llvm::StringRef FunctionName) const {
  std::vector<const Readiness *> R;
  for (const Readiness &E : Readinesses)
    if (E.Function.matches(FunctionName))
      R.push_back(&E);
  return R;
}

const Blocking *ApiModel::blocking(llvm::StringRef FunctionName) const {
  return findLast(BlockingCalls, [&](const Blocking &B) {
    return B.Function.matches(FunctionName) &&
           llvm::none_of(B.Except, [&](const NamePattern &P) {
             return P.matches(FunctionName);
           });
  });
}

bool ApiModel::isThrowing(llvm::StringRef FunctionName) const {
  return findLast(Throwing, [&](const FunctionEntry &F) {
           return F.Function.matches(FunctionName);
         }) != nullptr;
}

std::vector<const OwnershipTransfer *>
ApiModel::ownershipTransfersOf(llvm::StringRef FunctionName) const {
  std::vector<const OwnershipTransfer *> R;
  for (const OwnershipTransfer &O : Ownership)
    if (O.Function.matches(FunctionName))
      R.push_back(&O);
  return R;
}

const View *ApiModel::view(llvm::StringRef FunctionName) const {
  return findLast(Views, [&](const View &V) { return V.Function.matches(FunctionName); });
}

const HandlerRegistrar *
ApiModel::handlerRegistrar(llvm::StringRef FunctionName) const {
  return findLast(Registrars, [&](const HandlerRegistrar &R) {
    return R.Function.matches(FunctionName);
  });
}

bool ApiModel::isDeadlineFunction(llvm::StringRef FunctionName) const {
  return findLast(DeadlineSources, [&](const DeadlineSource &D) {
           return D.Function && D.Function->matches(FunctionName);
         }) != nullptr;
}

bool ApiModel::isDeadlineField(llvm::StringRef FieldName) const {
  return findLast(DeadlineSources, [&](const DeadlineSource &D) {
           return D.Field && D.Field->matches(FieldName);
         }) != nullptr;
}

const SignalInstaller *
ApiModel::signalInstaller(llvm::StringRef FunctionName) const {
  return findLast(SignalInstallers, [&](const SignalInstaller &S) {
    return S.Function.matches(FunctionName);
  });
}

const ExitHook *ApiModel::exitHook(llvm::StringRef FunctionName) const {
  return findLast(ExitHooks, [&](const ExitHook &E) {
    return E.Function.matches(FunctionName);
  });
}

bool ApiModel::isAsyncSignalSafe(llvm::StringRef FunctionName) const {
  return findLast(AsyncSignalSafe, [&](const FunctionEntry &F) {
           return F.Function.matches(FunctionName);
         }) != nullptr;
}

const OnceCall *ApiModel::onceCall(llvm::StringRef FunctionName) const {
  return findLast(OnceCalls, [&](const OnceCall &O) {
    return O.Function.matches(FunctionName);
  });
}

//===----------------------------------------------------------------------===//
// Dump
//===----------------------------------------------------------------------===//

static json originJson(const Origin &O) {
  json J = {{"defined_at", O.location()}};
  if (!O.Provenance.empty())
    J["provenance"] = O.Provenance;
  return J;
}

std::string ApiModel::dump() const {
  json J;
  J["schema"] = SchemaName;
  J["files"] = Files;
  auto Add = [&](const char *Section, json Entry, const Origin &O) {
    Entry.update(originJson(O));
    J[Section].push_back(std::move(Entry));
  };
  for (const ClientType &C : Clients)
    Add("clients", {{"type", C.Type.text()}, {"kind", C.Kind}, {"shutdown", C.Shutdown}}, C.From);
  for (const NotClient &N : NotClients)
    Add("not_clients", {{"type", N.Type.text()}}, N.From);
  for (const Factory &F : Factories) {
    json E = {{"function", F.Function.text()}};
    if (F.CreatesTemplateArg)
      E["creates_template_arg"] = *F.CreatesTemplateArg;
    else
      E.update({{"kind", F.Kind}, {"creates", F.Creates}});
    Add("factories", E, F.From);
  }
  for (const Resource &R : Resources) {
    json E = {{"kind", R.Kind}};
    for (const CallSpec &S : R.Acquire)
      E["acquire"].push_back({{"function", S.Function.text()}, {"handle", S.Handle.str()}});
    for (const CallSpec &S : R.Release)
      E["release"].push_back({{"function", S.Function.text()}, {"handle", S.Handle.str()}});
    Add("resources", E, R.From);
  }
  static const char *ViaNames[] = {"argument", "setter", "conninfo",
                                   "connection-setting", "method", "field",
                                   "none"};
  for (const Blocking &B : BlockingCalls) {
    json E = {{"function", B.Function.text()}, {"via", ViaNames[B.Timeout.Via]}};
    for (const ArgCondition &C : B.NonBlockingIf)
      E["nonblocking_if"].push_back(C.str());
    Add("blocking", E, B.From);
  }
  for (const NonBlocking &N : NonBlockings) {
    json E = {{"function", N.Function.text()}, {"handle", N.Handle.str()}};
    for (const ArgCondition &C : N.If)
      E["if"].push_back(C.str());
    for (const NamePattern &P : N.Calls)
      E["calls"].push_back(P.text());
    Add("nonblocking", E, N.From);
  }
  for (const Readiness &R : Readinesses) {
    json E = {{"function", R.Function.text()}, {"set_arg", R.SetArg}};
    for (const NamePattern &P : R.Calls)
      E["calls"].push_back(P.text());
    for (const Registration &G : R.RegisteredBy)
      E["registered_by"].push_back(G.key());
    Add("readiness", E, R.From);
  }
  for (const FunctionEntry &F : Throwing)
    Add("throwing", {{"function", F.Function.text()}}, F.From);
  for (const OwnershipTransfer &O : Ownership) {
    json E = {{"function", O.Function.text()}, {"arg", O.Arg}};
    for (const ArgCondition &C : O.If)
      E["if"].push_back(C.str());
    Add("ownership_transfer", E, O.From);
  }
  for (const View &V : Views)
    Add("views", {{"function", V.Function.text()}, {"of", V.Of.str()}}, V.From);
  for (const HandlerRegistrar &R : Registrars)
    Add("handler_registrars", {{"function", R.Function.text()}, {"handler_arg", R.HandlerArg}}, R.From);
  for (const DeadlineSource &D : DeadlineSources)
    Add("deadline_sources",
        D.Function ? json{{"function", D.Function->text()}} : json{{"field", D.Field->text()}},
        D.From);
  for (const SignalInstaller &S : SignalInstallers)
    Add("signal_installers", {{"function", S.Function.text()}}, S.From);
  for (const ExitHook &E : ExitHooks)
    Add("exit_hooks", {{"function", E.Function.text()}}, E.From);
  for (const FunctionEntry &F : AsyncSignalSafe)
    Add("async_signal_safe", {{"function", F.Function.text()}}, F.From);
  for (const OnceCall &O : OnceCalls)
    Add("once_calls", {{"function", O.Function.text()}, {"callable_arg", O.CallableArg}}, O.From);
  return J.dump(2);
}

} // namespace serverless::model
