//===--- NamePattern.cpp - Qualified-name globs for API models ------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Model/NamePattern.h"
#include "llvm/ADT/StringExtras.h"

namespace serverless::model {

llvm::Expected<NamePattern> NamePattern::create(llvm::StringRef Text) {
  auto Fail = [&](const llvm::Twine &Why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid name pattern '" + Text + "': " +
                                       Why);
  };
  if (Text.empty())
    return Fail("empty");
  if (Text.starts_with("::"))
    return Fail("write qualified names without a leading '::'");
  if (Text.find_first_of(" \t\n") != llvm::StringRef::npos)
    return Fail("contains whitespace");
  if (Text.contains("***"))
    return Fail("'***' is not a wildcard; use '*' or '**'");
  if (Text.contains('<') || Text.contains('('))
    return Fail("name template arguments or parameters are not part of a name");

  NamePattern P;
  P.Text = Text.str();
  size_t Star = Text.find('*');
  P.Prefix = Text.substr(0, Star).str();
  if (Star == llvm::StringRef::npos)
    return P;

  std::string RegexText = "^";
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '*') {
      if (I + 1 < Text.size() && Text[I + 1] == '*') {
        RegexText += ".*";
        ++I;
      } else {
        RegexText += "[^:]*";
      }
      continue;
    }
    if (llvm::isAlnum(C) || C == '_')
      RegexText += C;
    else {
      RegexText += '\\';
      RegexText += C;
    }
  }
  RegexText += "$";
  auto Re = std::make_shared<llvm::Regex>(RegexText);
  std::string Error;
  if (!Re->isValid(Error))
    return Fail(Error);
  P.Re = std::move(Re);
  return P;
}

bool NamePattern::matches(llvm::StringRef QualifiedName) const {
  if (!Re)
    return QualifiedName == Text;
  if (!QualifiedName.starts_with(Prefix))
    return false;
  return Re->match(QualifiedName);
}

} // namespace serverless::model
