//===--- Baseline.cpp - Known findings, by fingerprint ---------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Report/Baseline.h"
#include "Report/Rules.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

namespace serverless::report {

using nlohmann::json;

bool readBaseline(const std::string &Path, Baseline &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  if (!In) {
    Error = "baseline '" + Path + "': cannot read: " + std::strerror(errno);
    return false;
  }
  std::error_code EC;
  if (std::filesystem::is_directory(Path, EC)) {
    Error = "baseline '" + Path + "': cannot read: " + std::strerror(EISDIR);
    return false;
  }
  std::ostringstream SS;
  SS << In.rdbuf();
  auto Bad = [&](const std::string &Why) {
    Error = "baseline '" + Path + "': not a serverless-tidy baseline (" + Why + ")";
    return false;
  };
  json J = json::parse(SS.str(), nullptr, /*allow_exceptions=*/false);
  if (J.is_discarded())
    return Bad("invalid JSON");
  if (!J.is_object())
    return Bad("expected a JSON object");
  if (!J.contains("schema") || !J["schema"].is_string())
    return Bad("no \"schema\"");
  if (J["schema"] != BaselineSchema)
    return Bad("schema '" + J["schema"].get<std::string>() + "', expected '" + BaselineSchema + "'");
  if (!J.contains("findings") || !J["findings"].is_array())
    return Bad("no \"findings\" array");
  Baseline B;
  size_t Index = 0;
  for (const json &E : J["findings"]) {
    std::string Where = "findings[" + std::to_string(Index++) + "]";
    if (!E.is_object() || !E.contains("fingerprint") || !E["fingerprint"].is_string() ||
        E["fingerprint"].get<std::string>().empty())
      return Bad(Where + " has no \"fingerprint\" string");
    BaselineEntry Entry;
    Entry.Fingerprint = E["fingerprint"].get<std::string>();
    auto Str = [&](const char *Key) {
      auto It = E.find(Key);
      return It != E.end() && It->is_string() ? It->get<std::string>() : std::string();
    };
    Entry.Check = Str("check");
    Entry.Path = Str("path");
    Entry.Function = Str("function");
    Entry.Message = Str("message");
    auto L = E.find("line");
    if (L != E.end() && L->is_number_unsigned())
      Entry.Line = L->get<unsigned>();
    B.Entries.push_back(std::move(Entry));
  }
  Out = std::move(B);
  return true;
}

std::string renderBaseline(const Baseline &B) {
  std::vector<const BaselineEntry *> Sorted;
  for (const BaselineEntry &E : B.Entries)
    Sorted.push_back(&E);
  std::sort(Sorted.begin(), Sorted.end(), [](const BaselineEntry *A, const BaselineEntry *Z) {
    return std::tie(A->Path, A->Line, A->Check, A->Fingerprint) <
           std::tie(Z->Path, Z->Line, Z->Check, Z->Fingerprint);
  });
  nlohmann::ordered_json J = nlohmann::ordered_json::object();
  J["schema"] = BaselineSchema;
  J["tool"] = {{"name", "serverless-tidy"}, {"version", toolVersion()}};
  nlohmann::ordered_json &Fs = J["findings"] = nlohmann::ordered_json::array();
  for (const BaselineEntry *E : Sorted) {
    nlohmann::ordered_json O = nlohmann::ordered_json::object();
    O["fingerprint"] = E->Fingerprint;
    O["check"] = E->Check;
    O["path"] = E->Path;
    if (!E->Function.empty())
      O["function"] = E->Function;
    O["message"] = E->Message;
    O["line"] = E->Line;
    Fs.push_back(std::move(O));
  }
  return J.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

bool writeBaseline(const std::string &Path, const Baseline &B, std::string &Error) {
  std::string Tmp = Path + ".tmp";
  {
    std::ofstream Out(Tmp, std::ios::binary | std::ios::trunc);
    if (!Out) {
      Error = "baseline '" + Path + "': cannot write: " + std::strerror(errno);
      return false;
    }
    Out << renderBaseline(B);
    Out.flush();
    if (!Out.good()) {
      Error = "baseline '" + Path + "': write failed";
      std::remove(Tmp.c_str());
      return false;
    }
  }
  if (std::rename(Tmp.c_str(), Path.c_str()) != 0) {
    Error = "baseline '" + Path + "': cannot write: " + std::strerror(errno);
    std::remove(Tmp.c_str());
    return false;
  }
  return true;
}

BaselineMatch matchBaseline(const Baseline &B, const std::vector<std::string> &Fingerprints) {
  std::map<std::string, std::vector<size_t>> Available; // Fingerprint -> entry indices.
  for (size_t I = 0; I < B.Entries.size(); ++I)
    Available[B.Entries[I].Fingerprint].push_back(I);
  std::vector<bool> Used(B.Entries.size(), false);
  BaselineMatch M;
  M.Suppressed.assign(Fingerprints.size(), false);
  for (size_t I = 0; I < Fingerprints.size(); ++I) {
    if (Fingerprints[I].empty())
      continue;
    auto It = Available.find(Fingerprints[I]);
    if (It == Available.end() || It->second.empty())
      continue;
    Used[It->second.front()] = true;
    It->second.erase(It->second.begin());
    M.Suppressed[I] = true;
    ++M.NumSuppressed;
  }
  for (size_t I = 0; I < B.Entries.size(); ++I)
    if (!Used[I])
      M.Stale.push_back(B.Entries[I]);
  return M;
}

} // namespace serverless::report
