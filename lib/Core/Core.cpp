//===--- Core.cpp - Site, Phase -------------------------------------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
#include "Core/Core.h"

namespace serverless::core {

std::string Site::str() const {
  std::string S = Path;
  if (Line) {
    S += ":" + std::to_string(Line);
    if (Column)
      S += ":" + std::to_string(Column);
  }
  return S;
}

const char *phaseName(Phase P) {
  switch (P) {
  case Phase::Init: return "init";
  case Phase::Invoke: return "invoke";
  case Phase::Idle: return "idle";
  case Phase::Shutdown: return "shutdown";
  }
  return "init";
}

std::optional<Phase> parsePhase(const std::string &S) {
  for (Phase P : {Phase::Init, Phase::Invoke, Phase::Idle, Phase::Shutdown})
    if (S == phaseName(P))
      return P;
  return std::nullopt;
}

void to_json(nlohmann::json &J, const Site &S) {
  J = nlohmann::json{{"path", S.Path}, {"line", S.Line}, {"column", S.Column}};
  if (!S.FunctionUsr.empty())
    J["function_usr"] = S.FunctionUsr;
  if (!S.Function.empty())
    J["function"] = S.Function;
}

void from_json(const nlohmann::json &J, Site &S) {
  S.Path = J.at("path").get<std::string>();
  S.Line = J.value("line", 0u);
  S.Column = J.value("column", 0u);
  S.FunctionUsr = J.value("function_usr", std::string());
  S.Function = J.value("function", std::string());
}

std::string baseName(const std::string &Path) {
  size_t Slash = Path.find_last_of('/');
  return Slash == std::string::npos ? Path : Path.substr(Slash + 1);
}

} // namespace serverless::core
