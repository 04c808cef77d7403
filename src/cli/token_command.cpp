// `sluice token create --role R [--name N] [--data-dir DIR]`: a new API token written to
// the controller's token store (server/token_store.h); the running controller sees it at
// once. Prints the token, once: only its hash is stored.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "server/token_store.h"

namespace sluice::cli {
namespace {

struct TokenArgs {
  std::string role = "read";
  std::string name;
  std::string data_dir = ".sluice-server";
};

int create_token(const TokenArgs& args) {
  auto role = server::role_from_string(args.role);
  if (!role) {
    std::cerr << "sluice token create: --role must be read, operate, admin or agent\n";
    return kExitInvalid;
  }
  server::TokenStore tokens(args.data_dir);
  auto token = tokens.create(*role, args.name);
  if (!token) {
    std::cerr << "sluice token create: " << token.error().message << "\n";
    return kExitFailure;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TokenArgs>();
  auto* token = app.add_subcommand("token", "Manage the controller's API tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Create a token and print it (once)");
  create->add_option("--role", args->role, "read, operate, admin or agent")->capture_default_str();
  create->add_option("--name", args->name, "A name to tell the token apart in lists");
  create->add_option("--data-dir", args->data_dir, "The controller's data dir")
      ->capture_default_str();
  create->callback([args, &exit_code] { exit_code = create_token(*args); });
}

}  // namespace sluice::cli
