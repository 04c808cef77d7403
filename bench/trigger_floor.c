/* The least a trigger that keeps a run history can do (issue 8 §7, BENCHMARKS.md "Trigger
 * cost"): open a SQLite database in WAL mode, record a run, start `bash -c true` and wait for
 * it, record its result. No workflow, no jobs or steps, no log, no masking, no clean-up.
 * Linked statically, so it starts as fast as a program can. trigger_bench.sh times it beside
 * the floor and `sluice run`: it bounds from below what any recorded trigger costs here.
 * Usage: trigger_floor DATABASE */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  sqlite3* db = NULL;
  if (argc != 2 || sqlite3_open(argv[1], &db) != SQLITE_OK) return 2;
  /* As sluice's store does: the WAL stays at close (no checkpoint, no fsync per command). */
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, status TEXT);"
                   "INSERT INTO runs(status) VALUES('running');",
                   NULL, NULL, NULL) != SQLITE_OK)
    return 2;
  long long id = sqlite3_last_insert_rowid(db);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/bash", "bash", "-c", "true", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return 2;
  char sql[96];
  snprintf(sql, sizeof sql, "UPDATE runs SET status='%s' WHERE id=%lld",
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "success" : "failure", id);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return 2;
  return sqlite3_close(db) == SQLITE_OK ? 0 : 2;
}
