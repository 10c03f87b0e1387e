/** The microservices. */
import { Component } from '../lib/component';
import { PlatformContext } from './context';

export function appsComponents(_ctx: PlatformContext): Component[] {
  return [];
}
