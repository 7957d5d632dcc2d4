/**
 * Records → XML text, one package at a time, in the layout createrepo_c writes (namespaces
 * common/rpm/filelists/other). The writers stream these strings; nothing holds a whole document.
 */
import type { Dependency } from '../rpm/types.js';
import type { FilelistsRecord, OtherRecord, PackageRecord, RepoFile } from './types.js';
import { xmlAttr, xmlText } from './xml.js';

const NS_COMMON = 'http://linux.duke.edu/metadata/common';
export const NS_RPM = 'http://linux.duke.edu/metadata/rpm';
const NS_FILELISTS = 'http://linux.duke.edu/metadata/filelists';
const NS_OTHER = 'http://linux.duke.edu/metadata/other';
export const NS_REPO = 'http://linux.duke.edu/metadata/repo';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function primaryHeader(packages: number): string {
  return `${XML_DECL}<metadata xmlns="${NS_COMMON}" xmlns:rpm="${NS_RPM}" packages="${packages}">\n`;
}
export const primaryFooter = '</metadata>\n';

export function filelistsHeader(packages: number): string {
  return `${XML_DECL}<filelists xmlns="${NS_FILELISTS}" packages="${packages}">\n`;
}
export const filelistsFooter = '</filelists>\n';

export function otherHeader(packages: number): string {
  return `${XML_DECL}<otherdata xmlns="${NS_OTHER}" packages="${packages}">\n`;
}
export const otherFooter = '</otherdata>\n';

function versionElement(r: { epoch: number; version: string; release: string }): string {
  return `<version epoch="${r.epoch}" ver="${xmlAttr(r.version)}" rel="${xmlAttr(r.release)}"/>`;
}

function entry(dep: Dependency): string {
  let s = `      <rpm:entry name="${xmlAttr(dep.name)}"`;
  if (dep.flags) s += ` flags="${dep.flags}"`;
  if (dep.epoch !== null) s += ` epoch="${dep.epoch}"`;
  if (dep.version !== null) s += ` ver="${xmlAttr(dep.version)}"`;
  if (dep.release !== null) s += ` rel="${xmlAttr(dep.release)}"`;
  if (dep.pre) s += ' pre="1"';
  return s + '/>\n';
}

function dependencyList(tag: string, deps: readonly Dependency[]): string {
  if (deps.length === 0) return '';
  let s = `    <rpm:${tag}>\n`;
  for (const d of deps) s += entry(d);
  return s + `    </rpm:${tag}>\n`;
}

function fileElement(file: RepoFile, indent: string): string {
  const type = file.type === 'file' ? '' : ` type="${file.type}"`;
  return `${indent}<file${type}>${xmlText(file.path)}</file>\n`;
}

export function renderPrimaryPackage(p: PackageRecord): string {
  let s =
    '<package type="rpm">\n' +
    `  <name>${xmlText(p.name)}</name>\n` +
    `  <arch>${xmlText(p.arch)}</arch>\n` +
    `  ${versionElement(p)}\n` +
    `  <checksum type="sha256" pkgid="YES">${p.pkgId}</checksum>\n` +
    `  <summary>${xmlText(p.summary)}</summary>\n` +
    `  <description>${xmlText(p.description)}</description>\n` +
    `  <packager>${xmlText(p.packager)}</packager>\n` +
    `  <url>${xmlText(p.url)}</url>\n` +
    `  <time file="${p.timeFile}" build="${p.timeBuild}"/>\n` +
    `  <size package="${p.sizePackage}" installed="${p.sizeInstalled}" archive="${p.sizeArchive}"/>\n` +
    `  <location href="${xmlAttr(p.locationHref)}"/>\n` +
    '  <format>\n' +
    `    <rpm:license>${xmlText(p.license)}</rpm:license>\n` +
    `    <rpm:vendor>${xmlText(p.vendor)}</rpm:vendor>\n` +
    `    <rpm:group>${xmlText(p.group)}</rpm:group>\n` +
    `    <rpm:buildhost>${xmlText(p.buildhost)}</rpm:buildhost>\n` +
    `    <rpm:sourcerpm>${xmlText(p.sourcerpm)}</rpm:sourcerpm>\n` +
    `    <rpm:header-range start="${p.headerStart}" end="${p.headerEnd}"/>\n`;
  s += dependencyList('provides', p.provides);
  s += dependencyList('requires', p.requires);
  s += dependencyList('conflicts', p.conflicts);
  s += dependencyList('obsoletes', p.obsoletes);
  s += dependencyList('suggests', p.suggests);
  s += dependencyList('enhances', p.enhances);
  s += dependencyList('recommends', p.recommends);
  s += dependencyList('supplements', p.supplements);
  for (const f of p.primaryFiles) s += fileElement(f, '    ');
  return s + '  </format>\n</package>\n';
}

export function renderFilelistsPackage(f: FilelistsRecord): string {
  let s = `<package pkgid="${f.pkgId}" name="${xmlAttr(f.name)}" arch="${xmlAttr(f.arch)}">\n  ${versionElement(f)}\n`;
  for (const file of f.files) s += fileElement(file, '  ');
  return s + '</package>\n';
}

/** other.xml lists changelog entries oldest first (records keep them newest first). */
export function renderOtherPackage(o: OtherRecord): string {
  let s = `<package pkgid="${o.pkgId}" name="${xmlAttr(o.name)}" arch="${xmlAttr(o.arch)}">\n  ${versionElement(o)}\n`;
  for (let i = o.changelog.length - 1; i >= 0; i--) {
    const c = o.changelog[i]!;
    s += `  <changelog author="${xmlAttr(c.author)}" date="${c.time}">${xmlText(c.text)}</changelog>\n`;
  }
  return s + '</package>\n';
}
