/* follow.h -- `tail -F` for one file: complete lines across rotation and
 * truncation, with the (inode, offset) just past the last line handed out,
 * so a caller can persist it and resume exactly there. See follow.c. */
#ifndef WW_FOLLOW_H
#define WW_FOLLOW_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define WW_FOLLOW_LINEMAX 65536 /* longer lines are cut into pieces this long */

struct ww_follow;

/* Follows path. If the file now at path has inode `inode`, reading resumes
 * at `offset` (if the file is still that long). If not, the file was rotated
 * while nobody followed it: the renamed file (ww_follow_find_rotated) is read
 * from `offset` to its end first, then the new one from its start. A missing
 * file is not an error: it is opened when it appears. inode 0: from the start. */
struct ww_follow *ww_follow_open(const char *path, uint64_t inode, uint64_t offset);

/* What ww_follow_open made of the saved (inode, offset). */
enum ww_follow_start {
    WW_FOLLOW_FRESH,     /* nothing saved (inode 0) */
    WW_FOLLOW_RESUMED,   /* same file at path, at offset */
    WW_FOLLOW_ROTATED,   /* saved file found renamed; its rest is read first */
    WW_FOLLOW_TRUNCATED, /* same file, now shorter than offset: read from 0 */
    WW_FOLLOW_LOST,      /* saved file not found (deleted, compressed, moved
                          * away): its unread rest is lost; path from 0 */
};
/* How f began; for WW_FOLLOW_ROTATED *rotated (if not NULL) gets the renamed
 * file's path, else NULL. */
enum ww_follow_start ww_follow_started(const struct ww_follow *f, const char **rotated);

/* The rotated sibling of path: a regular file (not a symlink) in path's
 * directory, other than path, whose name begins with path's base name (FILE.1,
 * FILE.0, FILE-20261127, ...) and whose inode is `inode` on the directory's
 * device. WW_OK with *found 1 and its path in buf, or *found 0 if there is
 * none; WW_ERR_IO if the directory cannot be read, WW_ERR_LIMIT if a path
 * does not fit (in buf, or the directory's in 4096 bytes). */
enum ww_err ww_follow_find_rotated(const char *path, uint64_t inode, char *buf, size_t size,
                                   int *found);
/* 1: *line, *len is the next complete line (no '\n'; valid until the next
 * call); 0: nothing new now (poll again later). Never blocks. */
int ww_follow_line(struct ww_follow *f, const char **line, size_t *len);
/* Position just past the last line returned (inode 0 if never opened). */
void ww_follow_pos(const struct ww_follow *f, uint64_t *inode, uint64_t *offset);
const char *ww_follow_path(const struct ww_follow *f);
void ww_follow_free(struct ww_follow *f);

#endif
